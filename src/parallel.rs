//! A parallel map over pages of sessions.
//!
//! Filters such as `--user` and `--invalid` must decode every session (HMAC, inflate,
//! JSON), which costs far more than reading the rows; spreading a page over the cores
//! keeps such scans close to the speed of the store, and [`pipeline`] reads the next
//! page while the last one is decoded. Pages are small (one batch), so scoped threads
//! are enough: no pool, no shared state, order preserved.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use anyhow::Result;

/// Reads pages with `read` on the calling thread and hands each, with `f` of each item,
/// to `take`, in order, until `read` gives None or `take` says stop (false). While one
/// page is mapped on other threads, the next is read: the store and the decoding overlap.
///
/// At most two pages are held at once, so memory stays bounded by the page size. `read`
/// may run once more after the page `take` stops at (a read-ahead), and that page may be
/// mapped; nothing of it is handed on. `state` is what both `read` and `take` need to
/// change (the store, when `take` writes to it).
pub fn pipeline<S, T, R>(
    state: &mut S,
    read: impl FnMut(&mut S) -> Result<Option<Vec<T>>>,
    f: impl Fn(&T) -> R + Sync,
    take: impl FnMut(&mut S, Vec<T>, Vec<R>) -> Result<bool>,
) -> Result<()>
where
    T: Send + Sync,
    R: Send,
{
    staged_pipeline(state, read, f, |_, mapped| Ok(mapped), take)
}

/// [`pipeline`] with a second step per page, `stage`, run on the mapping thread after
/// `f` (pages in order, one at a time) and before `take`: work that needs the whole page
/// and something of its own, such as asking the user table about a page's sessions,
/// then overlaps the reading of the next page too. An error from `stage` ends the run
/// when its page would be taken.
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
    // the lock only hands `stage` to whichever thread maps the current page.
    let stage = &std::sync::Mutex::new(stage);
    thread::scope(|scope| {
        let mut in_flight: Option<thread::ScopedJoinHandle<'_, (Vec<T>, Result<U>)>> = None;
        loop {
            let next = read(state);
            let finished = in_flight
                .take()
                .map(|handle| handle.join().expect("a decoding thread panicked"));
            // The page just read starts decoding before the last one is handed on, so
            // that `take`'s own work (output, deletes) overlaps decoding as well.
            let read_error = match next {
                Ok(Some(page)) if !page.is_empty() => {
                    in_flight = Some(scope.spawn(move || {
                        let mapped = map(&page, f);
                        let staged = match stage.lock() {
                            Ok(mut stage) => stage(&page, mapped),
                            Err(_) => Err(anyhow::anyhow!("a page stage panicked")),
                        };
                        (page, staged)
                    }));
                    None
                }
                Ok(_) => None,
                Err(e) => Some(e),
            };
            if let Some((page, staged)) = finished {
                if !take(state, page, staged?)? {
                    return Ok(());
                }
            }
            if let Some(e) = read_error {
                return Err(e);
            }
            if in_flight.is_none() {
                return Ok(());
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
/// thread whose core is shared (with [`pipeline`]'s reader, or anything else on the
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
        super::pipeline(
            &mut (),
            |_| {
                next += 1;
                Ok(pages.get(next - 1).cloned())
            },
            |x| x + 1,
            |_, page, mapped| {
                assert_eq!(mapped, page.iter().map(|x| x + 1).collect::<Vec<_>>());
                seen.push(page[0]);
                Ok(page[0] < 3000)
            },
        )
        .unwrap();
        assert_eq!(seen, vec![0, 1000, 2000, 3000]);
        assert!(
            next <= 5,
            "read at most one page beyond the last taken, read {next}"
        );
    }

    #[test]
    fn pipeline_passes_on_read_errors_after_the_page_before() {
        let mut taken = 0;
        let result = super::pipeline(
            &mut taken,
            |taken| {
                if *taken == 0 {
                    Ok(Some(vec![1u8; 10]))
                } else {
                    Err(anyhow::anyhow!("the store went away"))
                }
            },
            |x| *x,
            |taken, _, _| {
                *taken += 1;
                Ok(true)
            },
        );
        assert!(result.is_err());
        assert_eq!(taken, 2, "the pages read before the error are still taken");
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
        // The page read ahead of the failing one may have been staged too, nothing more.
        assert!(
            staged == [1, 2, 3, 4] || staged == [1, 2, 3, 4, 5],
            "staged {staged:?}"
        );
    }
}
