//! Tracking pins and rendering a whole device exposition into a stack buffer allocate
//! nothing: a counting global allocator watches this thread while it happens.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;
use std::time::Duration;

use promcast_core::device::{
    BufWriter, BuildInfo, DeviceInfo, DeviceMetrics, Extra, PinReport, render,
};
use promcast_core::expo::{Format, Value};
use promcast_core::pin::{PinConfig, PinTracker};
use promcast_core::time::Instant;

/// Counts allocations made on threads that asked for counting; the test harness's other
/// threads are not counted.
struct Counting;

thread_local! {
    static WATCHING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

impl Counting {
    fn note() {
        // `try_with`: allocations during thread teardown are not ours to count.
        let _ = WATCHING.try_with(|watching| {
            if watching.get() {
                let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
            }
        });
    }
}

// SAFETY: every call is passed to `System` unchanged; counting touches only const-initialised
// thread-locals, which do not allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        Self::note();
        // SAFETY: the caller's guarantees for `alloc` are passed on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        Self::note();
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        Self::note();
        // SAFETY: as for `alloc`; `ptr` came from this allocator, hence from `System`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as for `realloc`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Allocations `f` made on this thread.
fn allocations<R>(f: impl FnOnce() -> R) -> (u64, R) {
    ALLOCATIONS.with(|n| n.set(0));
    WATCHING.with(|w| w.set(true));
    let result = f();
    WATCHING.with(|w| w.set(false));
    (ALLOCATIONS.with(Cell::get), result)
}

#[test]
fn the_counter_sees_allocations() {
    let (n, v) = allocations(|| black_box(vec![1u8; 16]));
    assert_eq!(v.len(), 16);
    assert_eq!(n, 1);
    let (n, s) = allocations(|| format!("{}", black_box(42)));
    assert_eq!(s, "42");
    assert!(n >= 1);
}

#[test]
fn tracking_and_rendering_allocate_nothing() {
    let ms = Instant::from_millis;
    let cfg = PinConfig {
        active_low: true,
        debounce: Duration::from_millis(30),
    };
    let (n, states) = allocations(|| {
        let mut door = PinTracker::new(cfg, true, ms(0));
        for (level, at) in [(false, 1000), (true, 1010), (false, 1020), (true, 5000)] {
            door.edge(level, ms(at));
            door.poll(ms(at + 5));
        }
        let snap = door.snapshot(ms(9000));
        let copy = PinTracker::from_snapshot(cfg, &snap, ms(100));
        [door.state(ms(9000)), copy.state(ms(200))]
    });
    assert_eq!(n, 0, "tracking allocated");

    let [door, copy] = states;
    let pins = [
        PinReport {
            hostname: "esp32 \"garage\"",
            name: "door\\\n",
            number: 4_294_967_295,
            state: door,
        },
        PinReport {
            hostname: "esp32 \"garage\"",
            name: "copy",
            number: 0,
            state: copy,
        },
    ];
    let extras = [Extra {
        name: "wifi_rssi_dbm",
        help: "Wi-Fi \"signal\"\n\\ strength.",
        labels: &[("ssid", "a\"b\\c\nd")],
        value: Value::F64(-67.5),
    }];
    let m = DeviceMetrics {
        info: DeviceInfo {
            hostname: "esp32 \"garage\"",
            mac: "7c:9e:bd:61:ab:e4",
            platform: "esp32c3",
            unique_id: "7c9ebd61abe4",
        },
        build: BuildInfo {
            version: "0.1.0",
            revision: "0123456789abcdef",
        },
        start_unix: Some(1_700_000_000.123456),
        uptime_seconds: 9.0,
        pins: &pins,
        extras: &extras,
    };
    for format in [Format::Text, Format::OpenMetrics] {
        let mut buf = [0u8; 6144];
        let (n, len) =
            allocations(|| render(BufWriter::new(&mut buf), format, &m).map(|w| w.len()));
        assert_eq!(n, 0, "rendering {format:?} allocated");
        // The buffer holds the whole body, as rendering into a `String` makes it.
        let expected = render(String::new(), format, &m).expect("a String takes any body");
        assert_eq!(len, Ok(expected.len()), "{format:?}");
        assert_eq!(&buf[..expected.len()], expected.as_bytes(), "{format:?}");
    }
}
