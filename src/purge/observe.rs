//! Who hears about a bulk change as it goes: the progress bar, logs, metrics. The engine
//! tells every [`Observer`] when the run starts, how much has been examined, what each
//! batch did, and how the run ended — also when it failed.

use super::{BatchRecord, Outcome};

/// What a run's progress counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counting {
    /// Sessions changed (walks the store checks itself, named sessions).
    Changed,
    /// Sessions examined (scans that decode every session to choose).
    Examined,
}

/// Told about a bulk change while it runs. Every method has a default that ignores it.
pub trait Observer {
    /// Whether this observer shows a total, so that counting up front is worth it.
    fn wants_total(&self) -> bool {
        false
    }

    /// The run begins: `total` of what `counting` counts, when known; `verb` says what
    /// is done to each session (`deleted`, `updated`, `examined`).
    fn started(&mut self, _total: Option<u64>, _counting: Counting, _verb: &str) {}

    /// `n` more sessions were examined by a decoding scan.
    fn examined(&mut self, _n: u64) {}

    /// A batch was committed; `so_far` is the run's outcome including it.
    fn batch(&mut self, _batch: &BatchRecord, _so_far: &Outcome) {}

    /// The run is over (done, stopped or failed).
    fn finished(&mut self, _outcome: &Outcome) {}
}

/// Every observer of a run, told in order.
#[derive(Default)]
pub struct Observers<'a> {
    list: Vec<Box<dyn Observer + 'a>>,
    counting: Option<Counting>,
}

impl<'a> Observers<'a> {
    pub fn new() -> Observers<'a> {
        Observers::default()
    }

    pub fn add(&mut self, observer: impl Observer + 'a) {
        self.list.push(Box::new(observer));
    }

    pub fn wants_total(&self) -> bool {
        self.list.iter().any(|o| o.wants_total())
    }

    pub fn started(&mut self, total: Option<u64>, counting: Counting, verb: &str) {
        self.counting = Some(counting);
        for o in &mut self.list {
            o.started(total, counting, verb);
        }
    }

    pub fn examined(&mut self, n: u64) {
        for o in &mut self.list {
            o.examined(n);
        }
    }

    pub fn batch(&mut self, batch: &BatchRecord, so_far: &Outcome) {
        for o in &mut self.list {
            o.batch(batch, so_far);
        }
    }

    pub fn finished(&mut self, outcome: &Outcome) {
        for o in &mut self.list {
            o.finished(outcome);
        }
    }
}
