//! A parallel map over a page of sessions.
//!
//! Filters such as `--user` and `--invalid` must decode every session (HMAC, inflate,
//! JSON), which costs far more than reading the rows; spreading a page over the cores
//! keeps such scans close to the speed of the store. Pages are small (one batch), so
//! scoped threads are enough: no pool, no shared state, order preserved.

use std::num::NonZeroUsize;
use std::thread;

/// Below this many items a page is mapped on the calling thread.
const MIN_PARALLEL: usize = 512;

/// `items.iter().map(f)`, split over the available cores, results in input order.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = thread::available_parallelism().map_or(1, NonZeroUsize::get);
    if workers < 2 || items.len() < MIN_PARALLEL {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(workers);
    let f = &f;
    thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a decoding thread panicked"))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn order_is_preserved() {
        let items: Vec<u32> = (0..10_000).collect();
        let doubled = super::map(&items, |x| x * 2);
        assert_eq!(doubled, items.iter().map(|x| x * 2).collect::<Vec<_>>());
        assert_eq!(super::map(&[1, 2, 3], |x| x + 1), vec![2, 3, 4]);
    }
}
