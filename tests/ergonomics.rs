//! Habits developers bring from psql, csvkit and other command-line tools: `decode` of
//! one value per stdin line, hints when a value is something else, `list` as CSV,
//! sorted, without header, and colours and borders that follow `--color`, NO_COLOR,
//! TERM and the locale. Data: the Django 6.1 fixture set.

mod common;

use common::{sample, sessctl, sessctl_on, sessctl_with_keys, FixtureSet};
use serde_json::Value;
use tempfile::TempDir;

fn run(cmd: &mut assert_cmd::Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// `session_data` of the set's db items that decode (with their ids).
fn raw_values(set: &FixtureSet, n: usize) -> Vec<(String, Value)> {
    set.items("db")
        .into_iter()
        .filter(|i| i["expected"].is_object() && i["raw"].is_string())
        .take(n)
        .map(|i| (i["raw"].as_str().unwrap().to_owned(), i["expected"].clone()))
        .collect()
}

fn decoder(set: &FixtureSet) -> assert_cmd::Command {
    let mut cmd = sessctl();
    cmd.env("DJANGO_SECRET_KEY", set.secret_key())
        .env("DJANGO_SECRET_KEY_FALLBACKS", set.fallbacks().join(","));
    cmd
}

#[test]
fn decode_reads_one_value_per_stdin_line() {
    let set = sample();
    let values = raw_values(&set, 3);
    assert_eq!(values.len(), 3);
    let input: String = values.iter().map(|(raw, _)| format!("{raw}\n")).collect();
    let (code, out, err) = run(decoder(&set)
        .args(["decode", "--format", "json"])
        .write_stdin(format!("\n{input}\n")));
    assert_eq!(code, 0, "{err}");
    let reports: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(reports.len(), 3, "{out}");
    for (report, (_, expected)) in reports.iter().zip(&values) {
        assert_eq!(&report["data"], expected);
        assert_eq!(report["signature"], "valid");
    }
    // A table per value, and a line that is no session value named on stderr: exit 2
    // once the others are shown. (Without a key: with one, a value that does not verify
    // is reported as invalid, exit 0.)
    let input = format!("{}\nnot a value at all!\n{}\n", values[0].0, values[1].0);
    let (code, out, err) = run(sessctl().arg("decode").write_stdin(input));
    assert_eq!(code, 2, "{err}");
    assert_eq!(out.matches("signature").count(), 2, "{out}");
    assert!(err.contains("value 2: cannot decode"), "{err}");
    assert!(err.contains("1 of 3 values could not be decoded"), "{err}");
}

/// Nothing in `AAAA` can be decoded: exit 2 with the reason (a value that decodes but
/// does not verify is a report instead, exit 0).
#[test]
fn decode_of_nothing_decodable_exits_2() {
    let (code, out, err) = run(sessctl().args(["decode", "AAAA"]));
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("cannot decode"), "{err}");
}

#[test]
fn decode_hints_at_what_a_value_really_is() {
    let set = sample();
    let key = set.items("db")[0]["key"].as_str().unwrap().to_owned();
    let (code, _, err) = run(decoder(&set).args(["decode", &key]));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains(&format!("sessctl inspect {key}")), "{err}");

    let cookie = set
        .items("signed_cookies")
        .into_iter()
        .find(|i| i["expected"].is_object())
        .expect("a signed cookie in the set")["raw"]
        .as_str()
        .unwrap()
        .to_owned();
    let (code, out, err) = run(decoder(&set).args(["decode", &cookie, "--format", "json"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"signature\":\"invalid\""), "{out}");
    assert!(err.contains("add --cookie"), "{err}");
    let (_, out, err) = run(decoder(&set).args(["decode", "--cookie", &cookie]));
    assert!(!err.contains("--cookie"), "{err}");
    assert!(out.contains("valid"), "{out}");

    let (raw, _) = raw_values(&set, 1).remove(0);
    let (_, _, err) = run(decoder(&set).args(["decode", "--cookie", &raw]));
    assert!(err.contains("drop --cookie"), "{err}");
}

#[test]
fn list_as_csv_sorted_and_without_header() {
    let set = sample();
    let tmp = TempDir::new().unwrap();
    let db = set.copy_db(tmp.path());
    let rows: Vec<Value> =
        common::json_lines(sessctl_with_keys(&db, &set).args(["list", "--format", "json"]));
    let (code, csv, err) = run(sessctl_with_keys(&db, &set).args(["list", "--format", "csv"]));
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines[0], "session_key,expire_date,expired,size,user_id");
    assert_eq!(lines.len(), rows.len() + 1);
    for (line, row) in lines[1..].iter().zip(&rows) {
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields[0], row["session_key"].as_str().unwrap());
        assert_eq!(fields[1], row["expire_date"].as_str().unwrap_or(""));
        assert_eq!(fields[2], row["expired"].to_string());
        assert_eq!(fields[3], row["size"].to_string());
        assert_eq!(fields[4], row["user_id"].as_str().unwrap_or(""));
    }
    let (_, bare, _) =
        run(sessctl_with_keys(&db, &set).args(["list", "--format", "csv", "--no-header"]));
    assert_eq!(
        bare.split("\r\n").filter(|l| !l.is_empty()).count(),
        rows.len()
    );

    // Largest first; the first N of that order with --limit.
    let sizes = |args: &[&str]| -> Vec<u64> {
        common::json_lines(
            sessctl_with_keys(&db, &set)
                .args(["list", "--format", "json"])
                .args(args),
        )
        .iter()
        .map(|r| r["size"].as_u64().unwrap())
        .collect()
    };
    let by_size = sizes(&["--sort", "size"]);
    let mut want: Vec<u64> = rows.iter().map(|r| r["size"].as_u64().unwrap()).collect();
    want.sort_by(|a, b| b.cmp(a));
    assert_eq!(by_size, want);
    assert_eq!(
        sizes(&["--sort", "size", "--limit", "3"]),
        want[..3].to_vec()
    );
    let expiries: Vec<chrono::DateTime<chrono::FixedOffset>> = common::json_lines(
        sessctl_with_keys(&db, &set).args(["list", "--format", "json", "--sort", "expiry"]),
    )
    .iter()
    .map(|r| chrono::DateTime::parse_from_rfc3339(r["expire_date"].as_str().unwrap()).unwrap())
    .collect();
    let mut sorted = expiries.clone();
    sorted.sort();
    assert_eq!(expiries, sorted);

    let (_, table, _) = run(sessctl_with_keys(&db, &set).args(["list", "--no-header"]));
    assert!(!table.contains("EXPIRES"), "{table}");
    assert!(!table.contains(" sessions)"), "{table}");
    assert_eq!(table.lines().count(), rows.len());

    let (code, _, err) = run(sessctl_on(&db, &set).args(["stats", "--format", "csv"]));
    assert_eq!(code, 2);
    assert!(err.contains("--format csv is for list"), "{err}");
}

#[test]
fn colours_and_borders_follow_the_terminal_conventions() {
    let set = sample();
    let tmp = TempDir::new().unwrap();
    let db = set.copy_db(tmp.path());
    let key = common::keys_in(&db, &set)[0].clone();
    let inspect = |color: &str, env: &[(&str, &str)]| {
        let mut cmd = sessctl_with_keys(&db, &set);
        cmd.env_remove("NO_COLOR")
            .env_remove("LC_ALL")
            .env_remove("LC_CTYPE");
        for (k, v) in env {
            cmd.env(k, v);
        }
        run(cmd.args(["--color", color, "inspect", &key])).1
    };
    let utf8 = [("LANG", "C.UTF-8"), ("TERM", "xterm")];
    assert!(inspect("always", &utf8).contains("\x1b["));
    assert!(!inspect("never", &utf8).contains("\x1b["));
    // Off a terminal auto means none.
    assert!(!inspect("auto", &utf8).contains("\x1b["));
    assert!(inspect("auto", &utf8).contains('┌'));
    let c_locale = inspect("never", &[("LANG", "C"), ("TERM", "xterm")]);
    assert!(
        c_locale.contains("+--") && !c_locale.contains('┌'),
        "{c_locale}"
    );
    let dumb = inspect("never", &[("LANG", "en_US.UTF-8"), ("TERM", "dumb")]);
    assert!(!dumb.contains('┌'), "{dumb}");
    // --color always wins over NO_COLOR; the error prefix is painted on stderr too.
    let mut cmd = sessctl();
    cmd.env("NO_COLOR", "1");
    let (_, _, err) = run(cmd.args(["--color", "always", "inspect", "x"]));
    assert!(err.starts_with("\x1b["), "{err:?}");
    let mut cmd = sessctl();
    let (_, _, err) = run(cmd.args(["--color", "never", "inspect", "x"]));
    assert!(err.starts_with("sessctl: "), "{err:?}");
}
