_sessctl() {
    local i cur prev opts cmd
    COMPREPLY=()
    if [[ "${BASH_VERSINFO[0]}" -ge 4 ]]; then
        cur="$2"
    else
        cur="${COMP_WORDS[COMP_CWORD]}"
    fi
    prev="$3"
    cmd=""
    opts=""

    for i in "${COMP_WORDS[@]:0:COMP_CWORD}"
    do
        case "${cmd},${i}" in
            ",$1")
                cmd="sessctl"
                ;;
            sessctl,clear-expired)
                cmd="sessctl__subcmd__clear__subcmd__expired"
                ;;
            sessctl,decode)
                cmd="sessctl__subcmd__decode"
                ;;
            sessctl,expire)
                cmd="sessctl__subcmd__expire"
                ;;
            sessctl,flush)
                cmd="sessctl__subcmd__flush"
                ;;
            sessctl,generate)
                cmd="sessctl__subcmd__generate"
                ;;
            sessctl,help)
                cmd="sessctl__subcmd__help"
                ;;
            sessctl,inspect)
                cmd="sessctl__subcmd__inspect"
                ;;
            sessctl,list)
                cmd="sessctl__subcmd__list"
                ;;
            sessctl,purge)
                cmd="sessctl__subcmd__purge"
                ;;
            sessctl,stats)
                cmd="sessctl__subcmd__stats"
                ;;
            sessctl__subcmd__help,clear-expired)
                cmd="sessctl__subcmd__help__subcmd__clear__subcmd__expired"
                ;;
            sessctl__subcmd__help,decode)
                cmd="sessctl__subcmd__help__subcmd__decode"
                ;;
            sessctl__subcmd__help,expire)
                cmd="sessctl__subcmd__help__subcmd__expire"
                ;;
            sessctl__subcmd__help,flush)
                cmd="sessctl__subcmd__help__subcmd__flush"
                ;;
            sessctl__subcmd__help,generate)
                cmd="sessctl__subcmd__help__subcmd__generate"
                ;;
            sessctl__subcmd__help,help)
                cmd="sessctl__subcmd__help__subcmd__help"
                ;;
            sessctl__subcmd__help,inspect)
                cmd="sessctl__subcmd__help__subcmd__inspect"
                ;;
            sessctl__subcmd__help,list)
                cmd="sessctl__subcmd__help__subcmd__list"
                ;;
            sessctl__subcmd__help,purge)
                cmd="sessctl__subcmd__help__subcmd__purge"
                ;;
            sessctl__subcmd__help,stats)
                cmd="sessctl__subcmd__help__subcmd__stats"
                ;;
            *)
                ;;
        esac
    done

    case "${cmd}" in
        sessctl)
            opts="-d -q -v -h -V --database-url --database-url-file --session-dir --table --now --engine --cache-url --cache-key-prefix --cache-version --cache-key-template --cache-serializer --cache-compressor --cache-max-entries --cookie-name --cookie-age --time-zone --user-table --user-pk --user-username --user-email --auth-backends --django-version --no-session-auth-hash --secret-key-file --salt --store-class --format --quiet --verbose --color --help --version clear-expired purge list inspect decode expire flush stats generate help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 1 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --database-url)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -d)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --database-url-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --session-dir)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --table)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --now)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --engine)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-url)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-key-prefix)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-key-template)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-serializer)
                    COMPREPLY=($(compgen -W "auto pickle json msgpack" -- "${cur}"))
                    return 0
                    ;;
                --cache-compressor)
                    COMPREPLY=($(compgen -W "auto none zlib lz4 zstd gzip lzma" -- "${cur}"))
                    return 0
                    ;;
                --cache-max-entries)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cookie-name)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cookie-age)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --time-zone)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --user-table)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --user-pk)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --user-username)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --user-email)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --auth-backends)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --django-version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --secret-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --salt)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --store-class)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --format)
                    COMPREPLY=($(compgen -W "table json csv prometheus" -- "${cur}"))
                    return 0
                    ;;
                --color)
                    COMPREPLY=($(compgen -W "auto always never" -- "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        sessctl__subcmd__clear__subcmd__expired)
            opts="-d -q -v -h --batch-size --sleep --batch-time --nice --stop-file --pause-file --max-runtime --max-lag --max-lag-bytes --replica --dry-run --progress --wait --metrics-file --vacuum --database-url --database-url-file --session-dir --table --now --engine --cache-url --cache-key-prefix --cache-version --cache-key-template --cache-serializer --cache-compressor --cache-max-entries --cookie-name --cookie-age --time-zone --user-table --user-pk --user-username --user-email --auth-backends --django-version --no-session-auth-hash --secret-key-file --salt --store-class --format --quiet --verbose --color --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --batch-size)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --sleep)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --batch-time)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --nice)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --stop-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pause-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-runtime)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-lag)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-lag-bytes)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --replica)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --progress)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --metrics-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --database-url)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -d)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --database-url-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --session-dir)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --table)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --now)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --engine)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-url)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-key-prefix)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-key-template)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-serializer)
                    COMPREPLY=($(compgen -W "auto pickle json msgpack" -- "${cur}"))
                    return 0
                    ;;
                --cache-compressor)
                    COMPREPLY=($(compgen -W "auto none zlib lz4 zstd gzip lzma" -- "${cur}"))
                    return 0
                    ;;
                --cache-max-entries)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cookie-name)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cookie-age)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --time-zone)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --user-table)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --user-pk)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --user-username)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --user-email)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --auth-backends)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --django-version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --secret-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --salt)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --store-class)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --format)
                    COMPREPLY=($(compgen -W "table json csv prometheus" -- "${cur}"))
                    return 0
                    ;;
                --color)
                    COMPREPLY=($(compgen -W "auto always never" -- "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        sessctl__subcmd__decode)
            opts="-d -q -v -h --cookie --database-url --database-url-file --session-dir --table --now --engine --cache-url --cache-key-prefix --cache-version --cache-key-template --cache-serializer --cache-compressor --cache-max-entries --cookie-name --cookie-age --time-zone --user-table --user-pk --user-username --user-email --auth-backends --django-version --no-session-auth-hash --secret-key-file --salt --store-class --format --quiet --verbose --color --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --database-url)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -d)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --database-url-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --session-dir)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --table)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --now)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --engine)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-url)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-key-prefix)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-key-template)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-serializer)
                    COMPREPLY=($(compgen -W "auto pickle json msgpack" -- "${cur}"))
                    return 0
                    ;;
                --cache-compressor)
                    COMPREPLY=($(compgen -W "auto none zlib lz4 zstd gzip lzma" -- "${cur}"))
                    return 0
                    ;;
                --cache-max-entries)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cookie-name)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cookie-age)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --time-zone)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --user-table)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --user-pk)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --user-username)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --user-email)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --auth-backends)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --django-version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --secret-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --salt)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --store-class)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --format)
                    COMPREPLY=($(compgen -W "table json csv prometheus" -- "${cur}"))
                    return 0
                    ;;
                --color)
                    COMPREPLY=($(compgen -W "auto always never" -- "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        sessctl__subcmd__expire)
            opts="-d -q -v -h --user --username --email --batch-size --sleep --batch-time --nice --stop-file --pause-file --max-runtime --max-lag --max-lag-bytes --replica --dry-run --progress --wait --metrics-file --vacuum --database-url --database-url-file --session-dir --table --now --engine --cache-url --cache-key-prefix --cache-version --cache-key-template --cache-serializer --cache-compressor --cache-max-entries --cookie-name --cookie-age --time-zone --user-table --user-pk --user-username --user-email --auth-backends --django-version --no-session-auth-hash --secret-key-file --salt --store-class --format --quiet --verbose --color --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --user)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --username)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --email)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --batch-size)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --sleep)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --batch-time)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --nice)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --stop-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pause-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-runtime)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-lag)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-lag-bytes)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --replica)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --progress)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --metrics-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --database-url)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -d)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --database-url-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --session-dir)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --table)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --now)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --engine)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-url)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-key-prefix)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-key-template)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-serializer)
                    COMPREPLY=($(compgen -W "auto pickle json msgpack" -- "${cur}"))
                    return 0
                    ;;
                --cache-compressor)
                    COMPREPLY=($(compgen -W "auto none zlib lz4 zstd gzip lzma" -- "${cur}"))
                    return 0
                    ;;
                --cache-max-entries)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cookie-name)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cookie-age)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --time-zone)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --user-table)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --user-pk)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --user-username)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --user-email)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --auth-backends)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --django-version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --secret-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --salt)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --store-class)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --format)
                    COMPREPLY=($(compgen -W "table json csv prometheus" -- "${cur}"))
                    return 0
                    ;;
                --color)
                    COMPREPLY=($(compgen -W "auto always never" -- "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        sessctl__subcmd__flush)
            opts="-y -d -q -v -h --user --username --email --all --yes --batch-size --sleep --batch-time --nice --stop-file --pause-file --max-runtime --max-lag --max-lag-bytes --replica --dry-run --progress --wait --metrics-file --vacuum --database-url --database-url-file --session-dir --table --now --engine --cache-url --cache-key-prefix --cache-version --cache-key-template --cache-serializer --cache-compressor --cache-max-entries --cookie-name --cookie-age --time-zone --user-table --user-pk --user-username --user-email --auth-backends --django-version --no-session-auth-hash --secret-key-file --salt --store-class --format --quiet --verbose --color --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --user)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --username)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --email)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --batch-size)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --sleep)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --batch-time)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --nice)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --stop-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pause-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-runtime)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-lag)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-lag-bytes)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --replica)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --progress)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --metrics-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --database-url)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -d)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --database-url-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --session-dir)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --table)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --now)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --engine)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-url)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-key-prefix)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-key-template)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-serializer)
                    COMPREPLY=($(compgen -W "auto pickle json msgpack" -- "${cur}"))
                    return 0
                    ;;
                --cache-compressor)
                    COMPREPLY=($(compgen -W "auto none zlib lz4 zstd gzip lzma" -- "${cur}"))
                    return 0
                    ;;
                --cache-max-entries)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cookie-name)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cookie-age)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --time-zone)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --user-table)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --user-pk)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --user-username)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --user-email)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --auth-backends)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --django-version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --secret-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --salt)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --store-class)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --format)
                    COMPREPLY=($(compgen -W "table json csv prometheus" -- "${cur}"))
                    return 0
                    ;;
                --color)
                    COMPREPLY=($(compgen -W "auto always never" -- "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        sessctl__subcmd__generate)
            opts="-d -q -v -h --out --database-url --database-url-file --session-dir --table --now --engine --cache-url --cache-key-prefix --cache-version --cache-key-template --cache-serializer --cache-compressor --cache-max-entries --cookie-name --cookie-age --time-zone --user-table --user-pk --user-username --user-email --auth-backends --django-version --no-session-auth-hash --secret-key-file --salt --store-class --format --quiet --verbose --color --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --out)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --database-url)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -d)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --database-url-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --session-dir)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --table)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --now)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --engine)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-url)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-key-prefix)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-key-template)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-serializer)
                    COMPREPLY=($(compgen -W "auto pickle json msgpack" -- "${cur}"))
                    return 0
                    ;;
                --cache-compressor)
                    COMPREPLY=($(compgen -W "auto none zlib lz4 zstd gzip lzma" -- "${cur}"))
                    return 0
                    ;;
                --cache-max-entries)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cookie-name)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cookie-age)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --time-zone)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --user-table)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --user-pk)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --user-username)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --user-email)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --auth-backends)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --django-version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --secret-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --salt)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --store-class)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --format)
                    COMPREPLY=($(compgen -W "table json csv prometheus" -- "${cur}"))
                    return 0
                    ;;
                --color)
                    COMPREPLY=($(compgen -W "auto always never" -- "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        sessctl__subcmd__help)
            opts="clear-expired purge list inspect decode expire flush stats generate help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        sessctl__subcmd__help__subcmd__clear__subcmd__expired)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        sessctl__subcmd__help__subcmd__decode)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        sessctl__subcmd__help__subcmd__expire)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        sessctl__subcmd__help__subcmd__flush)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        sessctl__subcmd__help__subcmd__generate)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        sessctl__subcmd__help__subcmd__help)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        sessctl__subcmd__help__subcmd__inspect)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        sessctl__subcmd__help__subcmd__list)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        sessctl__subcmd__help__subcmd__purge)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        sessctl__subcmd__help__subcmd__stats)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        sessctl__subcmd__inspect)
            opts="-d -q -v -h --database-url --database-url-file --session-dir --table --now --engine --cache-url --cache-key-prefix --cache-version --cache-key-template --cache-serializer --cache-compressor --cache-max-entries --cookie-name --cookie-age --time-zone --user-table --user-pk --user-username --user-email --auth-backends --django-version --no-session-auth-hash --secret-key-file --salt --store-class --format --quiet --verbose --color --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --database-url)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -d)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --database-url-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --session-dir)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --table)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --now)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --engine)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-url)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-key-prefix)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-key-template)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-serializer)
                    COMPREPLY=($(compgen -W "auto pickle json msgpack" -- "${cur}"))
                    return 0
                    ;;
                --cache-compressor)
                    COMPREPLY=($(compgen -W "auto none zlib lz4 zstd gzip lzma" -- "${cur}"))
                    return 0
                    ;;
                --cache-max-entries)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cookie-name)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cookie-age)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --time-zone)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --user-table)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --user-pk)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --user-username)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --user-email)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --auth-backends)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --django-version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --secret-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --salt)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --store-class)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --format)
                    COMPREPLY=($(compgen -W "table json csv prometheus" -- "${cur}"))
                    return 0
                    ;;
                --color)
                    COMPREPLY=($(compgen -W "auto always never" -- "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        sessctl__subcmd__list)
            opts="-d -q -v -h --expired --active --user --username --email --auth --limit --sort --no-header --database-url --database-url-file --session-dir --table --now --engine --cache-url --cache-key-prefix --cache-version --cache-key-template --cache-serializer --cache-compressor --cache-max-entries --cookie-name --cookie-age --time-zone --user-table --user-pk --user-username --user-email --auth-backends --django-version --no-session-auth-hash --secret-key-file --salt --store-class --format --quiet --verbose --color --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --user)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --username)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --email)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --auth)
                    COMPREPLY=($(compgen -W "valid valid_fallback stale missing_hash no_hash_check user_deleted inactive backend_not_configured invalid_user_id anonymous expired undecodable unverified" -- "${cur}"))
                    return 0
                    ;;
                --limit)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --sort)
                    COMPREPLY=($(compgen -W "expiry size" -- "${cur}"))
                    return 0
                    ;;
                --database-url)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -d)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --database-url-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --session-dir)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --table)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --now)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --engine)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-url)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-key-prefix)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-key-template)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-serializer)
                    COMPREPLY=($(compgen -W "auto pickle json msgpack" -- "${cur}"))
                    return 0
                    ;;
                --cache-compressor)
                    COMPREPLY=($(compgen -W "auto none zlib lz4 zstd gzip lzma" -- "${cur}"))
                    return 0
                    ;;
                --cache-max-entries)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cookie-name)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cookie-age)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --time-zone)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --user-table)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --user-pk)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --user-username)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --user-email)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --auth-backends)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --django-version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --secret-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --salt)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --store-class)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --format)
                    COMPREPLY=($(compgen -W "table json csv prometheus" -- "${cur}"))
                    return 0
                    ;;
                --color)
                    COMPREPLY=($(compgen -W "auto always never" -- "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        sessctl__subcmd__purge)
            opts="-y -d -q -v -h --expired --invalid --user --username --email --stale --user-deleted --expired-before --yes --batch-size --sleep --batch-time --nice --stop-file --pause-file --max-runtime --max-lag --max-lag-bytes --replica --dry-run --progress --wait --metrics-file --vacuum --database-url --database-url-file --session-dir --table --now --engine --cache-url --cache-key-prefix --cache-version --cache-key-template --cache-serializer --cache-compressor --cache-max-entries --cookie-name --cookie-age --time-zone --user-table --user-pk --user-username --user-email --auth-backends --django-version --no-session-auth-hash --secret-key-file --salt --store-class --format --quiet --verbose --color --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --user)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --username)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --email)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --expired-before)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --batch-size)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --sleep)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --batch-time)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --nice)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --stop-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --pause-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-runtime)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-lag)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-lag-bytes)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --replica)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --progress)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --metrics-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --database-url)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -d)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --database-url-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --session-dir)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --table)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --now)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --engine)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-url)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-key-prefix)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-key-template)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-serializer)
                    COMPREPLY=($(compgen -W "auto pickle json msgpack" -- "${cur}"))
                    return 0
                    ;;
                --cache-compressor)
                    COMPREPLY=($(compgen -W "auto none zlib lz4 zstd gzip lzma" -- "${cur}"))
                    return 0
                    ;;
                --cache-max-entries)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cookie-name)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cookie-age)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --time-zone)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --user-table)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --user-pk)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --user-username)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --user-email)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --auth-backends)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --django-version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --secret-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --salt)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --store-class)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --format)
                    COMPREPLY=($(compgen -W "table json csv prometheus" -- "${cur}"))
                    return 0
                    ;;
                --color)
                    COMPREPLY=($(compgen -W "auto always never" -- "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        sessctl__subcmd__stats)
            opts="-d -q -v -h --estimate --histogram --top --duplicates --baseline --max-growth --metrics-file --users --max-total --max-expired --max-bytes --max-data-bytes --max-expired-ratio --max-oldest-expiry --database-url --database-url-file --session-dir --table --now --engine --cache-url --cache-key-prefix --cache-version --cache-key-template --cache-serializer --cache-compressor --cache-max-entries --cookie-name --cookie-age --time-zone --user-table --user-pk --user-username --user-email --auth-backends --django-version --no-session-auth-hash --secret-key-file --salt --store-class --format --quiet --verbose --color --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --histogram)
                    COMPREPLY=($(compgen -W "expiry size" -- "${cur}"))
                    return 0
                    ;;
                --top)
                    COMPREPLY=($(compgen -W "users" -- "${cur}"))
                    return 0
                    ;;
                --baseline)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-growth)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --metrics-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-total)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-expired)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-bytes)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-data-bytes)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-expired-ratio)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-oldest-expiry)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --database-url)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -d)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --database-url-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --session-dir)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --table)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --now)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --engine)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-url)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-key-prefix)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-key-template)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-serializer)
                    COMPREPLY=($(compgen -W "auto pickle json msgpack" -- "${cur}"))
                    return 0
                    ;;
                --cache-compressor)
                    COMPREPLY=($(compgen -W "auto none zlib lz4 zstd gzip lzma" -- "${cur}"))
                    return 0
                    ;;
                --cache-max-entries)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cookie-name)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cookie-age)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --time-zone)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --user-table)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --user-pk)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --user-username)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --user-email)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --auth-backends)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --django-version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --secret-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --salt)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --store-class)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --format)
                    COMPREPLY=($(compgen -W "table json csv prometheus" -- "${cur}"))
                    return 0
                    ;;
                --color)
                    COMPREPLY=($(compgen -W "auto always never" -- "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
    esac
}

if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _sessctl -o nosort -o bashdefault -o default sessctl
else
    complete -F _sessctl -o bashdefault -o default sessctl
fi
