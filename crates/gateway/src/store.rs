//! The series store.
//!
//! One ingest thread owns the [`Store`]: a hash index from identity to series, used on the hot
//! path without locks. Values live in atomics inside each [`Series`], so updating a known
//! series is a lookup and three stores. The set of series is also kept in persistent ordered
//! maps, and after each receive batch that changed the set, a [`View`] (an O(1) clone of those
//! maps) is published through an [`ArcSwap`]. Scrapes read the latest view without taking any
//! lock the ingest thread waits on, and expiry runs on the ingest thread's own timer.
//!
//! Series identity is (reading kind, device, sensor id); for packets without a sensor id it is
//! (reading kind, device, sensor name). The device is the packet's `device` field or, for
//! senders that do not name themselves (the seed Pico), the sender's IP address. Labels are a
//! function of that identity plus the name, so no two series can render the same label set.

use std::hash::{Hash, Hasher};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arc_swap::ArcSwap;
use hashbrown::{Equivalent, HashMap};
use imbl::OrdMap;
use promcast_core::expo::LabelSet;
use promcast_core::names::{friendly_name_chars, sensor_name_chars};
use promcast_core::packet::{Body, MAX_DEVICE_LEN, MAX_NAME_LEN, MAX_SENSOR_LEN, MAX_STATUS_LEN};
use promcast_core::pin::{PinConfig, PinSnapshot, PinState, PinTracker};
use promcast_core::time::Instant;
use promcast_core::{Packet, Text};

use crate::config::{KindSpec, SeriesConfig};
use crate::discovery::{self, ScrapeTarget};
use crate::telemetry::Reject;

/// An f64 in an atomic.
#[derive(Debug, Default)]
pub struct AtomicF64(AtomicU64);

impl AtomicF64 {
    /// A new cell.
    pub fn new(v: f64) -> Self {
        AtomicF64(AtomicU64::new(v.to_bits()))
    }
    /// Read.
    pub fn get(&self) -> f64 {
        f64::from_bits(self.0.load(Ordering::Relaxed))
    }
    /// Write.
    pub fn set(&self, v: f64) {
        self.0.store(v.to_bits(), Ordering::Relaxed)
    }
}

/// One reading series: a sensor of one kind on one device.
#[derive(Debug)]
pub struct Series {
    /// Index of the reading kind in the configured kinds.
    pub kind: u16,
    /// Rendered, escaped label set, `{device="..",friendly_name="..",...}`.
    pub labels: Arc<str>,
    /// The device it belongs to.
    pub device: Arc<Device>,
    /// The sensor name as sent.
    pub name: Box<str>,
    /// The sensor id as sent, if any.
    pub sensor: Option<Box<str>>,
    /// Unit as sent, if any.
    pub unit: Option<Box<str>>,
    /// Latest value.
    pub value: AtomicF64,
    /// Unix time of the latest reading.
    pub seen_unix: AtomicF64,
    seen_mono_ns: AtomicU64,
}

impl Series {
    /// Monotonic time of the latest reading.
    pub fn seen_mono(&self) -> Duration {
        Duration::from_nanos(self.seen_mono_ns.load(Ordering::Relaxed))
    }
}

/// The last status a device reported.
#[derive(Clone, Debug, PartialEq)]
pub struct DeviceStatus {
    /// The `name` the device gave itself in the status packet.
    pub name: Box<str>,
    /// The status text.
    pub status: Box<str>,
    /// Unix time it arrived.
    pub unix: f64,
}

/// A sender of packets.
#[derive(Debug)]
pub struct Device {
    /// The device key: its `device` field, or its IP address.
    pub id: Arc<str>,
    /// Rendered label set `{device=".."}`.
    pub labels: Box<str>,
    /// Unix time of the latest accepted packet.
    pub seen_unix: AtomicF64,
    seen_mono_ns: AtomicU64,
    /// Accepted packets.
    pub packets: AtomicU64,
    /// Packets missed, judged by gaps in `seq`.
    pub seq_gaps: AtomicU64,
    /// Times `seq` went backwards (a restart).
    pub seq_resets: AtomicU64,
    /// Whether the device sends `seq` at all.
    pub sends_seq: AtomicBool,
    /// Live series of this device.
    pub series: AtomicU64,
    /// Latest status packet.
    pub status: Mutex<Option<DeviceStatus>>,
    /// Latest `seq`, or [`NO_SEQ`] before the first (only the ingest thread touches it).
    last_seq: AtomicU64,
}

/// Add `n` to a device counter. Only the ingest thread (the [`Store`]'s owner) writes device
/// counters, so a load and a store suffice where `fetch_add` would take a locked
/// read-modify-write on every packet; a scrape reads the old value or the new one.
fn add(counter: &AtomicU64, n: u64) {
    counter.store(counter.load(Ordering::Relaxed) + n, Ordering::Relaxed);
}

/// Subtract `n` from a device counter; see [`add`].
fn sub(counter: &AtomicU64, n: u64) {
    counter.store(counter.load(Ordering::Relaxed) - n, Ordering::Relaxed);
}

/// `Device::last_seq` before any packet with a `seq`.
const NO_SEQ: u64 = u64::MAX;

impl Device {
    /// Monotonic time of the latest accepted packet.
    pub fn seen_mono(&self) -> Duration {
        Duration::from_nanos(self.seen_mono_ns.load(Ordering::Relaxed))
    }
}

/// What a scrape sees: every live series by kind, in label order, every device, and the
/// scrape targets devices announced.
#[derive(Clone, Debug, Default)]
pub struct View {
    /// Per configured kind (same index as the kind specs), series keyed by label set.
    pub kinds: Vec<OrdMap<Arc<str>, Arc<Series>>>,
    /// Devices by id.
    pub devices: OrdMap<Arc<str>, Arc<Device>>,
    /// Contact inputs devices push, by (device, pin name, pin number): label order.
    pub pins: OrdMap<PinOrder, Arc<PushedPin>>,
    /// Scrape targets by device id, one per device: the latest announcement.
    pub targets: OrdMap<Arc<str>, Arc<ScrapeTarget>>,
}

/// Sort key of a pushed pin: (device, pin name, pin number), the order of its labels.
pub type PinOrder = (Arc<str>, Arc<str>, u32);

/// The gateway's monotonic time as the core's [`Instant`].
pub fn instant(mono: Duration) -> Instant {
    Instant::from_micros(u64::try_from(mono.as_micros()).unwrap_or(u64::MAX))
}

/// A contact input that a device pushes (`contact` packets). Each packet carries the pin's
/// whole state, so one that arrives after a lost datagram puts things right.
#[derive(Debug)]
pub struct PushedPin {
    /// The device it belongs to (its id is the `hostname` label).
    pub device: Arc<Device>,
    /// `pin_name`.
    pub name: Arc<str>,
    /// `pin_number`.
    pub number: u32,
    observed: ArcSwap<Observed>,
    seen_mono_ns: AtomicU64,
}

/// The latest state a device reported for a pin, and when (gateway monotonic time) it arrived.
#[derive(Clone, Copy, Debug)]
struct Observed {
    snap: PinSnapshot,
    at: Instant,
}

impl PushedPin {
    /// The pin's durations at `now` (gateway monotonic time), through the core tracker
    /// restored from the latest snapshot.
    pub fn state(&self, now: Duration) -> PinState {
        let o = self.observed.load();
        PinTracker::from_snapshot(PinConfig::default(), &o.snap, o.at).state(instant(now))
    }
    /// Monotonic time of the latest packet.
    pub fn seen_mono(&self) -> Duration {
        Duration::from_nanos(self.seen_mono_ns.load(Ordering::Relaxed))
    }
    fn device_elapsed(&self) -> Duration {
        let o = self.observed.load();
        o.snap.on_total + o.snap.off_total
    }
}

/// A contact packet older than the state already held by less than this is taken as
/// reordered (and dropped); further back, as the device having restarted.
const REORDER_WINDOW: Duration = Duration::from_secs(5);

impl View {
    /// Number of live series.
    pub fn series_len(&self) -> usize {
        self.kinds.iter().map(|m| m.len()).sum::<usize>() + self.pins.len()
    }
}

/// Where the ingest thread publishes and scrapes read.
pub type Published = Arc<ArcSwap<View>>;

#[derive(Debug, PartialEq, Eq)]
struct SeriesKey {
    kind: u16,
    by_name: bool,
    device: Arc<str>,
    id: Box<str>,
}

#[derive(Debug)]
struct KeyRef<'a> {
    kind: u16,
    by_name: bool,
    device: &'a str,
    id: &'a str,
}

impl Hash for SeriesKey {
    fn hash<H: Hasher>(&self, h: &mut H) {
        KeyRef {
            kind: self.kind,
            by_name: self.by_name,
            device: &self.device,
            id: &self.id,
        }
        .hash(h)
    }
}

impl Hash for KeyRef<'_> {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.kind.hash(h);
        self.by_name.hash(h);
        self.device.hash(h);
        self.id.hash(h);
    }
}

impl Equivalent<SeriesKey> for KeyRef<'_> {
    fn equivalent(&self, k: &SeriesKey) -> bool {
        self.kind == k.kind
            && self.by_name == k.by_name
            && *self.device == *k.device
            && *self.id == *k.id
    }
}

#[derive(Debug)]
struct DeviceEntry {
    shared: Arc<Device>,
    series: usize,
}

/// Ingest-side state; owned by one thread.
pub struct Store {
    kinds: Vec<KindSpec>,
    limits: SeriesConfig,
    index: HashMap<SeriesKey, Arc<Series>>,
    devices: HashMap<Arc<str>, DeviceEntry>,
    pins: HashMap<(Arc<str>, u32), Arc<PushedPin>>,
    view: View,
    dirty: bool,
    published: Published,
    scratch: String,
    src_text: IpText,
}

/// Decoded text of a packet field: borrowed when plain, else decoded into a stack buffer.
/// The buffer is only filled in (zeroed) for escaped text, so plain fields cost no memset.
fn text_str<'a>(t: &Text<'a>, buf: &'a mut Option<[u8; FIELD_BUF]>) -> Option<&'a str> {
    match t.as_plain() {
        Some(s) => Some(s),
        None => t.decode_into(buf.insert([0; FIELD_BUF])),
    }
}

/// Buffer big enough for the longest decoded field.
const FIELD_BUF: usize = MAX_STATUS_LEN;

/// What happened to one packet that was accepted.
#[derive(Debug)]
pub enum Accepted {
    /// A reading updated or created a series.
    Reading,
    /// A status packet.
    Status,
    /// A contact packet updated or created a pushed pin.
    Contact,
    /// An announce packet: the device's scrape target when it is new or changed, `None`
    /// when it was announced as it stands.
    Announce(Option<Arc<ScrapeTarget>>),
}

/// What one expiry sweep removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Swept {
    /// Series (readings and pushed pins).
    pub series: u64,
    /// Devices.
    pub devices: u64,
    /// Announced scrape targets.
    pub targets: u64,
}

impl Store {
    /// An empty store publishing to `published`.
    pub fn new(kinds: Vec<KindSpec>, limits: SeriesConfig, published: Published) -> Self {
        let view = View {
            kinds: vec![OrdMap::new(); kinds.len()],
            ..View::default()
        };
        published.store(Arc::new(view.clone()));
        Store {
            kinds,
            limits,
            index: HashMap::new(),
            devices: HashMap::new(),
            pins: HashMap::new(),
            view,
            dirty: false,
            published,
            scratch: String::new(),
            src_text: IpText::default(),
        }
    }

    /// The configured kinds.
    pub fn kinds(&self) -> &[KindSpec] {
        &self.kinds
    }

    /// Apply one decoded packet from `src`, received at `unix` / `mono`.
    pub fn apply(
        &mut self,
        packet: &Packet<'_>,
        src: IpAddr,
        unix: f64,
        mono: Duration,
    ) -> Result<Accepted, Reject> {
        let mut dev_buf = None;
        let ip_text;
        let device: &str = match &packet.device {
            Some(t) if !t.is_empty() => text_str(t, &mut dev_buf).ok_or(Reject::Decode(
                promcast_core::DecodeError::TooLong("device"),
            ))?,
            _ => {
                ip_text = self.src_text.format(src);
                ip_text.as_str()
            }
        };
        debug_assert!(device.len() <= MAX_DEVICE_LEN.max(45));
        match &packet.body {
            Body::Reading(r) => {
                let kind = self
                    .kinds
                    .iter()
                    .position(|k| k.kind == r.kind)
                    .ok_or(Reject::UnknownKind)? as u16;
                let mut name_buf = None;
                let mut sensor_buf = None;
                let mut unit_buf = None;
                let name = text_str(&r.name, &mut name_buf).unwrap_or("");
                debug_assert!(name.len() <= MAX_NAME_LEN);
                let sensor = match &r.sensor {
                    Some(t) if !t.is_empty() => text_str(t, &mut sensor_buf),
                    _ => None,
                };
                debug_assert!(sensor.is_none_or(|s| s.len() <= MAX_SENSOR_LEN));
                let unit = r.unit.as_ref().and_then(|t| text_str(t, &mut unit_buf));
                let dev = self.device_entry(device, unix, mono)?;
                self.upsert(kind, &dev, name, sensor, unit, r.value, unix, mono)?;
                Self::seen(&dev, packet.seq, unix, mono);
                Ok(Accepted::Reading)
            }
            Body::Status(s) => {
                let mut name_buf = None;
                let mut status_buf = None;
                let name = text_str(&s.name, &mut name_buf).unwrap_or("");
                let status = text_str(&s.status, &mut status_buf).unwrap_or("");
                let dev = self.device_entry(device, unix, mono)?;
                let mut st = dev.status.lock().unwrap_or_else(|p| p.into_inner());
                *st = Some(DeviceStatus {
                    name: name.into(),
                    status: status.into(),
                    unix,
                });
                drop(st);
                Self::seen(&dev, packet.seq, unix, mono);
                Ok(Accepted::Status)
            }
            Body::Contact(c) => {
                let mut name_buf = None;
                let name = text_str(&c.name, &mut name_buf).unwrap_or("");
                let dev = self.device_entry(device, unix, mono)?;
                self.upsert_pin(&dev, name, c.pin, c.snapshot(), mono)?;
                Self::seen(&dev, packet.seq, unix, mono);
                Ok(Accepted::Contact)
            }
            Body::Announce(a) => {
                let mut name_buf = None;
                let mut path_buf = None;
                let hostname = text_str(&a.name, &mut name_buf).unwrap_or("");
                let path = a.path.as_ref().and_then(|t| text_str(t, &mut path_buf));
                let address = discovery::target_address(src, a.port);
                let dev = self.device_entry(device, unix, mono)?;
                let changed = self.upsert_target(&dev, address, path, hostname, unix, mono);
                Self::seen(&dev, packet.seq, unix, mono);
                Ok(Accepted::Announce(changed))
            }
            _ => Err(Reject::Decode(promcast_core::DecodeError::UnsupportedType)),
        }
    }

    /// The device `id`, created if new: one hash lookup for a known device.
    fn device_entry(&mut self, id: &str, unix: f64, mono: Duration) -> Result<Arc<Device>, Reject> {
        if let Some(d) = self.devices.get(id) {
            return Ok(d.shared.clone());
        }
        if self.devices.len() >= self.limits.max_devices {
            return Err(Reject::DeviceLimit);
        }
        let id: Arc<str> = id.into();
        self.scratch.clear();
        let mut ls = LabelSet::new(&mut self.scratch);
        let _ = ls.label("device", id.chars());
        let _ = ls.finish();
        let shared = Arc::new(Device {
            id: id.clone(),
            labels: self.scratch.as_str().into(),
            seen_unix: AtomicF64::new(unix),
            seen_mono_ns: AtomicU64::new(mono.as_nanos() as u64),
            packets: AtomicU64::new(0),
            seq_gaps: AtomicU64::new(0),
            seq_resets: AtomicU64::new(0),
            sends_seq: AtomicBool::new(false),
            series: AtomicU64::new(0),
            status: Mutex::new(None),
            last_seq: AtomicU64::new(NO_SEQ),
        });
        self.view.devices.insert(id.clone(), shared.clone());
        self.devices.insert(
            id,
            DeviceEntry {
                shared: shared.clone(),
                series: 0,
            },
        );
        self.dirty = true;
        Ok(shared)
    }

    /// Count an accepted packet from `sh` and check its sequence number.
    fn seen(sh: &Device, seq: Option<u32>, unix: f64, mono: Duration) {
        sh.seen_unix.set(unix);
        sh.seen_mono_ns
            .store(mono.as_nanos() as u64, Ordering::Relaxed);
        add(&sh.packets, 1);
        if let Some(s) = seq {
            sh.sends_seq.store(true, Ordering::Relaxed);
            // Only this thread writes `last_seq`, so a load and a store suffice.
            let last = sh.last_seq.load(Ordering::Relaxed);
            sh.last_seq.store(u64::from(s), Ordering::Relaxed);
            if let Ok(last) = u32::try_from(last) {
                if s > last {
                    let missed = u64::from(s - last - 1);
                    if missed > 0 {
                        add(&sh.seq_gaps, missed);
                    }
                } else if s < last {
                    add(&sh.seq_resets, 1);
                }
                // s == last: a duplicate; nothing missed.
            }
        }
    }

    #[allow(clippy::too_many_arguments, reason = "one call site, all plain values")]
    fn upsert(
        &mut self,
        kind: u16,
        dev: &Arc<Device>,
        name: &str,
        sensor: Option<&str>,
        unit: Option<&str>,
        value: f64,
        unix: f64,
        mono: Duration,
    ) -> Result<(), Reject> {
        let (by_name, id_owned);
        let id: &str = match sensor {
            Some(s) => {
                by_name = false;
                s
            }
            None => {
                by_name = true;
                id_owned = StackStr::<MAX_NAME_LEN>::from_chars(sensor_name_chars(name.chars()));
                id_owned.as_str()
            }
        };
        let key = KeyRef {
            kind,
            by_name,
            device: &dev.id,
            id,
        };
        if let Some(s) = self.index.get(&key) {
            if &*s.name == name && s.unit.as_deref() == unit {
                s.value.set(value);
                s.seen_unix.set(unix);
                s.seen_mono_ns
                    .store(mono.as_nanos() as u64, Ordering::Relaxed);
                return Ok(());
            }
            // Renamed (or re-united) sensor: replace the series so its labels follow.
            let old_labels = s.labels.clone();
            self.view.kinds[kind as usize].remove(&old_labels);
            let owned = SeriesKey {
                kind,
                by_name,
                device: dev.id.clone(),
                id: id.into(),
            };
            let new = self.make_series(kind, dev, name, sensor, unit, value, unix, mono);
            self.view.kinds[kind as usize].insert(new.labels.clone(), new.clone());
            self.index.insert(owned, new);
            self.dirty = true;
            return Ok(());
        }
        self.reserve_series(dev)?;
        let new = self.make_series(kind, dev, name, sensor, unit, value, unix, mono);
        self.view.kinds[kind as usize].insert(new.labels.clone(), new.clone());
        self.index.insert(
            SeriesKey {
                kind,
                by_name,
                device: dev.id.clone(),
                id: id.into(),
            },
            new,
        );
        self.dirty = true;
        Ok(())
    }

    /// Count one more series for `dev`, or say which cap forbids it. Readings and pushed
    /// pins share the caps.
    fn reserve_series(&mut self, dev: &Device) -> Result<(), Reject> {
        if self.index.len() + self.pins.len() >= self.limits.max_series {
            return Err(Reject::SeriesLimit);
        }
        let entry = self.devices.get_mut(&*dev.id).expect("device entry exists");
        if entry.series >= self.limits.max_series_per_device {
            return Err(Reject::DeviceSeriesLimit);
        }
        entry.series += 1;
        add(&dev.series, 1);
        Ok(())
    }

    fn upsert_pin(
        &mut self,
        dev: &Arc<Device>,
        name: &str,
        number: u32,
        snap: PinSnapshot,
        mono: Duration,
    ) -> Result<(), Reject> {
        let at = instant(mono);
        let key = (dev.id.clone(), number);
        if let Some(p) = self.pins.get(&key) {
            let old = p.device_elapsed();
            let new = snap.on_total + snap.off_total;
            if new < old && old - new <= REORDER_WINDOW {
                return Err(Reject::OutOfOrder);
            }
            if &*p.name == name {
                p.observed.store(Arc::new(Observed { snap, at }));
                p.seen_mono_ns
                    .store(mono.as_nanos() as u64, Ordering::Relaxed);
                return Ok(());
            }
            // Renamed on the device: the labels change, so the series is replaced.
            let order: PinOrder = (dev.id.clone(), p.name.clone(), number);
            self.view.pins.remove(&order);
        } else {
            self.reserve_series(dev)?;
        }
        let pin = Arc::new(PushedPin {
            device: dev.clone(),
            name: name.into(),
            number,
            observed: ArcSwap::from_pointee(Observed { snap, at }),
            seen_mono_ns: AtomicU64::new(mono.as_nanos() as u64),
        });
        self.view
            .pins
            .insert((dev.id.clone(), pin.name.clone(), number), pin.clone());
        self.pins.insert(key, pin);
        self.dirty = true;
        Ok(())
    }

    /// Keep `address`, `path`, `hostname` as the scrape target of `dev`, replacing the one
    /// it had if that differs; returns the target when it is new or changed.
    fn upsert_target(
        &mut self,
        dev: &Device,
        address: SocketAddr,
        path: Option<&str>,
        hostname: &str,
        unix: f64,
        mono: Duration,
    ) -> Option<Arc<ScrapeTarget>> {
        if let Some(t) = self.view.targets.get(&*dev.id)
            && t.is(address, path, hostname)
        {
            t.seen(unix, mono);
            return None;
        }
        let target = Arc::new(ScrapeTarget::new(
            dev.id.clone(),
            address,
            path,
            hostname,
            unix,
            mono,
        ));
        self.view.targets.insert(dev.id.clone(), target.clone());
        self.dirty = true;
        Some(target)
    }

    #[allow(clippy::too_many_arguments, reason = "plain values of one reading")]
    fn make_series(
        &mut self,
        kind: u16,
        dev: &Arc<Device>,
        name: &str,
        sensor: Option<&str>,
        unit: Option<&str>,
        value: f64,
        unix: f64,
        mono: Duration,
    ) -> Arc<Series> {
        self.scratch.clear();
        let mut ls = LabelSet::new(&mut self.scratch);
        let _ = ls.label("device", dev.id.chars());
        let _ = ls.label("friendly_name", friendly_name_chars(name.chars()));
        if let Some(s) = sensor {
            let _ = ls.label("sensor_id", s.chars());
        }
        let _ = ls.label("sensor_name", sensor_name_chars(name.chars()));
        let _ = ls.finish();
        Arc::new(Series {
            kind,
            labels: self.scratch.as_str().into(),
            device: dev.clone(),
            name: name.into(),
            sensor: sensor.map(Into::into),
            unit: unit.map(Into::into),
            value: AtomicF64::new(value),
            seen_unix: AtomicF64::new(unix),
            seen_mono_ns: AtomicU64::new(mono.as_nanos() as u64),
        })
    }

    /// Remove series, scrape targets and devices not heard from within the ttl.
    pub fn sweep(&mut self, mono: Duration) -> Swept {
        let ttl = self.limits.ttl;
        let expired = |seen: Duration| mono.saturating_sub(seen) > ttl;
        let mut series = 0;
        let view = &mut self.view;
        let devices = &mut self.devices;
        self.index.retain(|_, s| {
            if expired(s.seen_mono()) {
                view.kinds[s.kind as usize].remove(&s.labels);
                if let Some(d) = devices.get_mut(&*s.device.id) {
                    d.series -= 1;
                    sub(&d.shared.series, 1);
                }
                series += 1;
                false
            } else {
                true
            }
        });
        self.pins.retain(|_, p| {
            if expired(p.seen_mono()) {
                view.pins
                    .remove(&(p.device.id.clone(), p.name.clone(), p.number));
                if let Some(d) = devices.get_mut(&*p.device.id) {
                    d.series -= 1;
                    sub(&d.shared.series, 1);
                }
                series += 1;
                false
            } else {
                true
            }
        });
        // Before the devices: a device is seen whenever its target is, so a device that
        // expires has no target left.
        let silent: Vec<Arc<str>> = view
            .targets
            .iter()
            .filter(|(_, t)| expired(t.seen_mono()))
            .map(|(id, _)| id.clone())
            .collect();
        for id in &silent {
            view.targets.remove(id);
        }
        let targets = silent.len() as u64;
        let mut gone = 0;
        devices.retain(|id, d| {
            if d.series == 0 && expired(d.shared.seen_mono()) {
                view.devices.remove(id);
                gone += 1;
                false
            } else {
                true
            }
        });
        if series > 0 || gone > 0 || targets > 0 {
            self.dirty = true;
        }
        Swept {
            series,
            devices: gone,
            targets,
        }
    }

    /// Publish the current set to scrapes if it changed since the last publish.
    pub fn publish(&mut self) {
        if self.dirty {
            self.published.store(Arc::new(self.view.clone()));
            self.dirty = false;
        }
    }

    /// Live series (readings and pushed pins).
    pub fn len(&self) -> usize {
        self.index.len() + self.pins.len()
    }

    /// Whether there are no series.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Formats an IP address without allocating, and remembers the last one: packets come in
/// runs from one sender, and formatting costs more than the rest of a known-series update.
#[derive(Default)]
struct IpText {
    ip: Option<IpAddr>,
    buf: StackStr<48>,
}

impl IpText {
    fn format(&mut self, ip: IpAddr) -> StackStr<48> {
        use std::fmt::Write;
        if self.ip == Some(ip) {
            return self.buf;
        }
        self.ip = Some(ip);
        self.buf.len = 0;
        let _ = write!(self.buf, "{}", canonical_ip(ip));
        self.buf
    }
}

/// `ip`, an IPv4-mapped IPv6 address (a dual-stack socket's view of an IPv4 sender) as the
/// IPv4 address it maps.
pub(crate) fn canonical_ip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

/// A fixed-capacity string on the stack; writes past capacity are dropped.
#[derive(Clone, Copy)]
struct StackStr<const N: usize> {
    buf: [u8; N],
    len: usize,
}

impl<const N: usize> Default for StackStr<N> {
    fn default() -> Self {
        StackStr {
            buf: [0; N],
            len: 0,
        }
    }
}

impl<const N: usize> StackStr<N> {
    fn from_chars(chars: impl Iterator<Item = char>) -> Self {
        use std::fmt::Write;
        let mut s = Self::default();
        for c in chars {
            if s.write_char(c).is_err() {
                break;
            }
        }
        s
    }
    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or("")
    }
}

impl<const N: usize> std::fmt::Write for StackStr<N> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        if end > N {
            return Err(std::fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}
