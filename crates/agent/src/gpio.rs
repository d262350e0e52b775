//! Contacts through the kernel's GPIO character device (`/dev/gpiochipN`, uAPI v2), with
//! the `gpiocdev` crate.
//!
//! Every configured pin is requested as an input with the configured bias (`pull = "up"`,
//! `"down"`, or `"none"`: bias disabled), edge detection on both edges and `CLOCK_MONOTONIC`
//! event timestamps. The line is configured active-high, so the kernel reports electrical
//! levels; active-low and debouncing are the core tracker's job (the same code as on the
//! microcontrollers), so the kernel's own debounce is not used. The level of each line is
//! read once right after the request, as the tracker's starting state.
//!
//! A thread waits for edge events and queues them, with their kernel timestamps mapped onto
//! the agent's clock, for [`Inputs::sync`](crate::contacts::Inputs::sync). When the kernel's
//! event buffer overflowed (a gap in the sequence numbers), the lines are read again and a
//! level that differs from the last one queued is queued as an edge at that moment.
//!
//! Needs hardware: none of this can run without a GPIO chip. [`QueuedContacts`] and
//! [`to_edge`], the path from a kernel event to a tracker, are what the tests exercise.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use gpiocdev::Request;
use gpiocdev::line::{Bias, EdgeDetection, EdgeEvent, EdgeKind, EventClock, Value};
use promcast_core::time::Instant;
use promcast_fleet::{Pin, Pull};

use crate::clock::{Clock, Wake};
use crate::contacts::{ContactSource, Edge};

/// How long the event thread waits before looking at the stop flag again.
const EVENT_WAIT: Duration = Duration::from_millis(200);

/// Map a kernel edge event to an [`Edge`] on the agent's clock: `offsets[i]` is the line of
/// pin `i`; a rising edge is level high. `None` for a line that is not one of the pins.
pub fn to_edge(ev: &EdgeEvent, offsets: &[u32], clock: &dyn Clock) -> Option<Edge> {
    let pin = offsets.iter().position(|o| *o == ev.offset)?;
    Some(Edge {
        pin,
        level: ev.kind == EdgeKind::Rising,
        at: clock.monotonic_ns_to_instant(ev.timestamp_ns),
    })
}

/// The kernel bias for a configured pull.
pub fn bias(pull: Pull) -> Bias {
    match pull {
        Pull::Up => Bias::PullUp,
        Pull::Down => Bias::PullDown,
        Pull::None => Bias::Disabled,
    }
}

/// A contact source fed through a channel: initial levels known up front, edges queued by
/// a producer (the GPIO event thread, or a test).
#[derive(Debug)]
pub struct QueuedContacts {
    initial: Vec<bool>,
    rx: Receiver<Edge>,
    held: Option<Edge>,
    _events: Option<EventThread>,
}

impl QueuedContacts {
    /// A source with these initial levels; edges arrive on the returned sender.
    pub fn new(initial: Vec<bool>) -> (QueuedContacts, Sender<Edge>) {
        let (tx, rx) = mpsc::channel();
        (
            QueuedContacts {
                initial,
                rx,
                held: None,
                _events: None,
            },
            tx,
        )
    }
}

impl ContactSource for QueuedContacts {
    fn initial_levels(&mut self, _now: Instant) -> Vec<bool> {
        self.initial.clone()
    }

    fn poll(&mut self, now: Instant, out: &mut Vec<Edge>) {
        loop {
            let Some(e) = self.held.take().or_else(|| self.rx.try_recv().ok()) else {
                return;
            };
            if e.at > now {
                // Stamped after `now` was read: it belongs to the next sync.
                self.held = Some(e);
                return;
            }
            out.push(e);
        }
    }

    fn next_edge(&self) -> Option<Instant> {
        // An edge stamped just after the last `now` is due as soon as time reaches it.
        self.held.map(|e| e.at)
    }
}

/// Why the GPIO lines could not be set up.
#[derive(Debug, thiserror::Error)]
#[error("cannot request GPIO lines {offsets:?} on {chip}: {source}")]
pub struct GpioError {
    /// The chip.
    pub chip: String,
    /// The lines.
    pub offsets: Vec<u32>,
    /// What gpiocdev said.
    #[source]
    pub source: gpiocdev::Error,
}

/// The thread reading edge events; stopped and joined on drop.
#[derive(Debug)]
struct EventThread {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Drop for EventThread {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// Request `pins` on `chip` and start the event thread; edges wake `wake`.
pub fn open(
    chip: &Path,
    pins: &[Pin],
    clock: Arc<dyn Clock>,
    wake: Arc<Wake>,
) -> Result<QueuedContacts, GpioError> {
    let offsets: Vec<u32> = pins.iter().map(|p| p.number).collect();
    let err = |source| GpioError {
        chip: chip.display().to_string(),
        offsets: offsets.clone(),
        source,
    };
    let mut builder = Request::builder();
    builder.on_chip(chip).with_consumer("promcast-agent");
    for p in pins {
        builder
            .with_line(p.number)
            .as_input()
            .with_bias(bias(p.pull))
            .with_edge_detection(EdgeDetection::BothEdges)
            .with_event_clock(EventClock::Monotonic);
    }
    let req = builder.request().map_err(err)?;
    let mut initial = Vec::with_capacity(offsets.len());
    for o in &offsets {
        initial.push(req.value(*o).map_err(err)? == Value::Active);
    }
    let (mut source, tx) = QueuedContacts::new(initial.clone());
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = stop.clone();
    let lines = offsets.clone();
    let handle = thread::Builder::new()
        .name("gpio-events".into())
        .spawn(move || event_loop(req, lines, initial, tx, clock, wake, stop2))
        .map_err(|e| {
            err(gpiocdev::Error::InvalidArgument(format!(
                "cannot start the event thread: {e}"
            )))
        })?;
    source._events = Some(EventThread {
        stop,
        handle: Some(handle),
    });
    Ok(source)
}

fn event_loop(
    req: Request,
    offsets: Vec<u32>,
    mut levels: Vec<bool>,
    tx: Sender<Edge>,
    clock: Arc<dyn Clock>,
    wake: Arc<Wake>,
    stop: Arc<AtomicBool>,
) {
    let mut last_seqno = 0u32;
    while !stop.load(Ordering::SeqCst) {
        match req.wait_edge_event(EVENT_WAIT) {
            Ok(false) => continue,
            Ok(true) => {}
            Err(e) => {
                tracing::warn!(error = %e, "waiting for GPIO edge events failed");
                thread::sleep(Duration::from_secs(1));
                continue;
            }
        }
        let ev = match req.read_edge_event() {
            Ok(ev) => ev,
            Err(e) => {
                tracing::warn!(error = %e, "reading a GPIO edge event failed");
                continue;
            }
        };
        let lost = ev.seqno.wrapping_sub(last_seqno).saturating_sub(1);
        last_seqno = ev.seqno;
        if let Some(edge) = to_edge(&ev, &offsets, clock.as_ref()) {
            levels[edge.pin] = edge.level;
            if tx.send(edge).is_err() {
                return;
            }
        }
        if lost > 0 {
            tracing::warn!(
                lost,
                "the kernel's GPIO event buffer overflowed; reading the lines again"
            );
            let now = clock.now();
            for (i, o) in offsets.iter().enumerate() {
                if let Ok(v) = req.value(*o) {
                    let level = v == Value::Active;
                    if level != levels[i] {
                        levels[i] = level;
                        let _ = tx.send(Edge {
                            pin: i,
                            level,
                            at: now,
                        });
                    }
                }
            }
        }
        wake.notify();
    }
}

#[cfg(test)]
mod tests {
    use promcast_core::pin::PinState;

    use super::*;
    use crate::clock::ManualClock;
    use crate::contacts::Inputs;

    fn event(offset: u32, kind: EdgeKind, ms: u64, seqno: u32) -> EdgeEvent {
        EdgeEvent {
            timestamp_ns: ms * 1_000_000,
            kind,
            offset,
            seqno,
            line_seqno: seqno,
        }
    }

    #[test]
    fn kernel_events_become_tracker_transitions() {
        let clock = ManualClock::new(None);
        let pins = [
            Pin {
                number: 17,
                name: "back-door".into(),
                pull: Pull::Up,
                active_low: true,
                debounce: Duration::from_millis(20),
            },
            Pin {
                number: 27,
                name: "gate".into(),
                pull: Pull::Down,
                active_low: false,
                debounce: Duration::ZERO,
            },
        ];
        let offsets = [17, 27];
        // Read at start: the door's line high (closed, pulled up), the gate's low.
        let (source, tx) = QueuedContacts::new(vec![true, false]);
        let mut inputs = Inputs::new(&pins, Box::new(source), Instant::ZERO);
        let events = [
            event(17, EdgeKind::Falling, 1_000, 1), // door opens: pulled to ground
            event(17, EdgeKind::Rising, 1_005, 2),  // bounce
            event(17, EdgeKind::Falling, 1_010, 3),
            event(27, EdgeKind::Rising, 2_000, 4),
            event(5, EdgeKind::Rising, 2_500, 5),  // not ours
            event(17, EdgeKind::Rising, 4_000, 6), // door shut
        ];
        for ev in &events {
            if let Some(e) = to_edge(ev, &offsets, clock.as_ref()) {
                tx.send(e).expect("queued");
            }
        }
        clock.advance(Duration::from_millis(3_000));
        inputs.sync(clock.now());
        let door = inputs.state(0, clock.now()).expect("door");
        // On since the last bounce ended the run at 1.010 s, settled 20 ms later.
        assert_eq!(
            door,
            PinState {
                is_on: true,
                on_seconds: 1.99,
                off_seconds: -1.0,
                seconds_since_on: 1.99,
                seconds_since_off: -1.0,
                on_transitions: 1,
                on_seconds_total: 1.99,
                off_seconds_total: 1.01,
            }
        );
        let gate = inputs.state(1, clock.now()).expect("gate");
        assert!(gate.is_on);
        assert_eq!(gate.seconds_since_on, 1.0);
        // The event at 4 s is queued but later than now: it waits for the next sync.
        assert_eq!(inputs.edges_seen(), 4);
        clock.advance(Duration::from_millis(2_000));
        inputs.sync(clock.now());
        let door = inputs.state(0, clock.now()).expect("door");
        assert!(!door.is_on);
        assert_eq!(door.off_seconds, 1.0);
        assert_eq!(door.on_seconds_total, 2.99);
    }

    #[test]
    fn biases() {
        assert_eq!(bias(Pull::Up), Bias::PullUp);
        assert_eq!(bias(Pull::Down), Bias::PullDown);
        assert_eq!(bias(Pull::None), Bias::Disabled);
    }

    #[test]
    fn a_missing_chip_is_an_error_naming_it() {
        let pins = [Pin {
            number: 17,
            name: "x".into(),
            pull: Pull::Up,
            active_low: true,
            debounce: Duration::ZERO,
        }];
        let e = open(
            Path::new("/nonexistent/gpiochip9"),
            &pins,
            ManualClock::new(None),
            Wake::new(),
        )
        .expect_err("no such chip");
        assert!(
            e.to_string()
                .starts_with("cannot request GPIO lines [17] on /nonexistent/gpiochip9: "),
            "{e}"
        );
    }
}
