//! A parallel map over pages of sessions.
//!
//! Filters such as `--user` and `--invalid` must decode every session (HMAC, inflate,
//! JSON), which costs far more than reading the rows; spreading a page over the cores
//! keeps such scans close to the speed of the store, and [`staged_pipeline`] reads the
//! next page while the last ones are decoded and judged. Pages are small (one batch), so
//! scoped threads are enough: no pool, no shared state, order preserved.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use anyhow::Result;

/// Reads pages with `read` on the calling thread, maps each item with `f` (spread over
/// the cores), runs `stage` on each mapped page (pages in order, one at a time), and
/// hands the page with what `stage` made of it to `take`, in order, until `read` gives
/// None or an empty page, or `take` says stop (false).
///
/// Three pages are in flight at once, each at its own step: while page N is staged
/// (work that needs the whole page and something of its own, such as asking the user
/// table about its sessions), page N + 1 is mapped and page N + 2 read, and `take` of a
/// page overlaps the mapping and staging of the next two. A stage that waits on a
/// database then costs the scan nothing while the cores have decoding to do.
///
/// Memory stays bounded by three pages. `read` may run up to twice more after the page
/// `take` stops at (a read-ahead), and those pages may be mapped and staged; nothing of
/// them is handed on. An error from `read` ends the run once the pages read before it
/// are taken; an error from `stage` ends it when its page would be taken. `state` is
/// what both `read` and `take` need to change (the store, when `take` writes to it).
pub fn staged_pipeline<S, T, R, U>(
    state: &mut S,
    mut read: impl FnMut(&mut S) -> Result<Option<Vec<T>>>,
    f: impl Fn(&T) -> R + Sync,
    stage: impl FnMut(&[T], Vec<R>) -> Result<U> + Send,
    mut take: impl FnMut(&mut S, Vec<T>, U) -> Result<bool>,
) -> Result<()>
where
    T: Send + Sync,
    R: Send,
    U: Send,
{
    let f = &f;
    // One page is staged at a time (the next is spawned only after the last is joined);
    // the lock only hands `stage` to whichever thread stages the current page.
    let stage = &std::sync::Mutex::new(stage);
    thread::scope(|scope| {
        let mut mapping: Option<thread::ScopedJoinHandle<'_, (Vec<T>, Vec<R>)>> = None;
        let mut staging: Option<thread::ScopedJoinHandle<'_, (Vec<T>, Result<U>)>> = None;
        let mut reading = true;
        let mut read_error = None;
        loop {
            let next = if reading {
                match read(state) {
                    Ok(Some(page)) if !page.is_empty() => Some(page),
                    Ok(_) => None,
                    Err(e) => {
                        read_error = Some(e);
                        None
                    }
                }
            } else {
                None
            };
            reading = next.is_some();
            let staged = staging
                .take()
                .map(|handle| handle.join().expect("a page stage panicked"));
            let mapped = mapping
                .take()
                .map(|handle| handle.join().expect("a decoding thread panicked"));
            // Both steps start on their next pages before the staged one is handed on,
            // so that `take`'s own work (output, deletes) overlaps them as well.
            if let Some(page) = next {
                mapping = Some(scope.spawn(move || {
                    let mapped = map(&page, f);
                    (page, mapped)
                }));
            }
            if let Some((page, mapped)) = mapped {
                staging = Some(scope.spawn(move || {
                    let staged = match stage.lock() {
                        Ok(mut stage) => stage(&page, mapped),
                        Err(_) => Err(anyhow::anyhow!("a page stage panicked")),
                    };
                    (page, staged)
                }));
            }
            if let Some((page, staged)) = staged {
                if !take(state, page, staged?)? {
                    return Ok(());
                }
            }
            if mapping.is_none() && staging.is_none() {
                return read_error.map_or(Ok(()), Err);
            }
        }
    })
}

/// Below this many items a page is mapped on the calling thread.
const MIN_PARALLEL: usize = 512;

/// Items a thread takes from the shared counter at a time.
const SLICE: usize = 64;

/// `items.iter().map(f)`, spread over the available cores, results in input order.
///
/// Threads take small slices from a shared counter instead of one equal share each: a
/// thread whose core is shared (with [`staged_pipeline`]'s reader, or anything else on the
/// machine) would otherwise still be working on its share while the others sit idle,
/// at the end of every page.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = thread::available_parallelism().map_or(1, NonZeroUsize::get);
    if workers < 2 || items.len() < MIN_PARALLEL {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let (f, next) = (&f, &next);
    let mut slices: Vec<(usize, Vec<R>)> = thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(move || {
                    let mut done = Vec::new();
                    loop {
                        let start = next.fetch_add(SLICE, Ordering::Relaxed);
                        if start >= items.len() {
                            return done;
                        }
                        let slice = &items[start..(start + SLICE).min(items.len())];
                        done.push((start, slice.iter().map(f).collect::<Vec<R>>()));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a decoding thread panicked"))
            .collect()
    });
    slices.sort_unstable_by_key(|(start, _)| *start);
    slices.into_iter().flat_map(|(_, mapped)| mapped).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn order_is_preserved() {
        // An odd length, so the last slice is short; some items slow, so threads take
        // different numbers of slices.
        let items: Vec<u32> = (0..10_001).collect();
        let doubled = super::map(&items, |x| {
            if x % 997 == 0 {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            x * 2
        });
        assert_eq!(doubled, items.iter().map(|x| x * 2).collect::<Vec<_>>());
        assert_eq!(super::map(&[1, 2, 3], |x| x + 1), vec![2, 3, 4]);
    }

    /// Every page arrives once, in order, with its own results; a stop ends it at once.
    #[test]
    fn pipeline_hands_pages_in_order_and_stops_when_told() {
        let pages: Vec<Vec<u32>> = (0..7)
            .map(|p| (p * 1000..p * 1000 + 999).collect())
            .collect();
        let mut next = 0;
        let mut seen = Vec::new();
        super::staged_pipeline(
            &mut (),
            |_| {
                next += 1;
                Ok(pages.get(next - 1).cloned())
            },
            |x| x + 1,
            |_, mapped| Ok(mapped),
            |_, page, mapped| {
                assert_eq!(mapped, page.iter().map(|x| x + 1).collect::<Vec<_>>());
                seen.push(page[0]);
                Ok(page[0] < 3000)
            },
        )
        .unwrap();
        assert_eq!(seen, vec![0, 1000, 2000, 3000]);
        assert!(
            next <= 6,
            "read at most two pages beyond the last taken, read {next}"
        );
    }

    #[test]
    fn pipeline_passes_on_read_errors_after_the_page_before() {
        let mut taken = 0;
        let mut reads = 0;
        let result = super::staged_pipeline(
            &mut taken,
            |_| {
                reads += 1;
                if reads <= 2 {
                    Ok(Some(vec![1u8; 10]))
                } else {
                    Err(anyhow::anyhow!("the store went away"))
                }
            },
            |x| *x,
            |_, mapped| Ok(mapped),
            |taken, _, _| {
                *taken += 1;
                Ok(true)
            },
        );
        assert!(result.is_err());
        assert_eq!(taken, 2, "the pages read before the error are still taken");
    }

    /// A page is staged while the next one is mapped: the stage of the first page waits
    /// (at most 30 s) for the map to reach the second, which a pipeline that maps a page
    /// only once the last one is staged never does.
    #[test]
    fn staged_pipeline_maps_the_next_page_while_one_is_staged() {
        use std::sync::{Condvar, Mutex};
        let second_mapped = (Mutex::new(false), Condvar::new());
        let mut next = 0u32;
        let mut taken = Vec::new();
        super::staged_pipeline(
            &mut (),
            |_| {
                next += 1;
                Ok((next <= 3).then(|| vec![next; 10]))
            },
            |x| {
                if *x == 2 {
                    *second_mapped.0.lock().unwrap() = true;
                    second_mapped.1.notify_all();
                }
                *x
            },
            |page: &[u32], _| {
                if page[0] == 1 {
                    let (seen, _) = second_mapped
                        .1
                        .wait_timeout_while(
                            second_mapped.0.lock().unwrap(),
                            std::time::Duration::from_secs(30),
                            |seen| !*seen,
                        )
                        .unwrap();
                    assert!(*seen, "page 2 was not mapped while page 1 was staged");
                }
                Ok(page[0])
            },
            |_, _, first| {
                taken.push(first);
                Ok(true)
            },
        )
        .unwrap();
        assert_eq!(taken, vec![1, 2, 3]);
    }

    /// The stage sees every page once, in order, after its map; its error ends the run
    /// with the pages before it taken.
    #[test]
    fn staged_pipeline_stages_pages_in_order_and_stops_on_its_error() {
        let mut next = 0u32;
        let mut staged = Vec::new();
        let mut taken = Vec::new();
        let result = super::staged_pipeline(
            &mut (),
            |_| {
                next += 1;
                Ok((next <= 6).then(|| vec![next; 700]))
            },
            |x| x * 10,
            |page: &[u32], mapped: Vec<u32>| {
                assert_eq!(mapped, page.iter().map(|x| x * 10).collect::<Vec<_>>());
                staged.push(page[0]);
                if page[0] == 4 {
                    anyhow::bail!("the user table went away");
                }
                Ok(mapped.len())
            },
            |_, page, len| {
                assert_eq!(page.len(), len);
                taken.push(page[0]);
                Ok(true)
            },
        );
        assert!(result.is_err());
        assert_eq!(taken, vec![1, 2, 3]);
        // The pages read ahead of the failing one may have been staged too, nothing more.
        assert!(
            staged.starts_with(&[1, 2, 3, 4]) && staged.len() <= 6,
            "staged {staged:?}"
        );
    }
}
