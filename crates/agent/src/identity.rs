//! Which fleet entry this machine is: `--device`, or `/etc/machine-id`, or a MAC address.

use std::fs;
use std::path::{Path, PathBuf};

use promcast_fleet::{Device, DeviceId, Fleet, Platform};

/// Default machine-id file.
pub const DEFAULT_MACHINE_ID_FILE: &str = "/etc/machine-id";
/// Default directory of network interfaces.
pub const DEFAULT_NET_ROOT: &str = "/sys/class/net";

/// What this machine is known by.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Identity {
    /// `/etc/machine-id`, canonical, if readable.
    pub machine_id: Option<DeviceId>,
    /// Interfaces and their MACs (colon form), sorted by interface name; loopback and
    /// all-zero addresses left out.
    pub macs: Vec<(String, String)>,
}

impl Identity {
    /// Read the machine-id file and the interfaces' `address` files under `net_root`.
    pub fn read(machine_id_file: &Path, net_root: &Path) -> Identity {
        let machine_id = fs::read_to_string(machine_id_file)
            .ok()
            .and_then(|s| DeviceId::normalize(&s))
            .filter(|id| id.as_str().len() == 32);
        let mut macs = Vec::new();
        if let Ok(entries) = fs::read_dir(net_root) {
            for e in entries.filter_map(Result::ok) {
                let Ok(name) = e.file_name().into_string() else {
                    continue;
                };
                let Ok(mac) = fs::read_to_string(e.path().join("address")) else {
                    continue;
                };
                let mac = mac.trim().to_ascii_lowercase();
                let hex = DeviceId::normalize(&mac);
                if name != "lo"
                    && hex.is_some_and(|h| h.as_str().len() == 12 && h.as_str() != "000000000000")
                {
                    macs.push((name, mac));
                }
            }
        }
        macs.sort();
        Identity { machine_id, macs }
    }
}

/// Why no device could be picked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    /// `--device` names no device.
    #[error("no device {0:?} in {1}")]
    NoSuchDevice(String, PathBuf),
    /// Nothing identifies this machine in the fleet.
    #[error(
        "this machine ({0}) is not in {1}: add it as [devices.<machine-id>] with platform = \"linux\", or pass --device"
    )]
    NotInFleet(String, PathBuf),
    /// The device found is not a Linux board.
    #[error(
        "device {name} ({id}) runs on {platform}, not linux: promcast-agent is for Linux boards"
    )]
    NotLinux {
        /// Its name.
        name: String,
        /// Its id.
        id: String,
        /// Its platform.
        platform: Platform,
    },
}

/// Pick this machine's device: the one named by `explicit` (id or name), else the one keyed
/// by the machine-id, else by one of the MACs.
pub fn find_device<'f>(
    fleet: &'f Fleet,
    explicit: Option<&str>,
    me: &Identity,
) -> Result<&'f Device, IdentityError> {
    let device = match explicit {
        Some(q) => fleet
            .device(q)
            .ok_or_else(|| IdentityError::NoSuchDevice(q.to_owned(), fleet.path().to_owned()))?,
        None => me
            .machine_id
            .iter()
            .map(|id| id.as_str().to_owned())
            .chain(me.macs.iter().map(|(_, m)| m.clone()))
            .find_map(|id| {
                fleet
                    .devices()
                    .iter()
                    .find(|d| DeviceId::normalize(&id).as_ref() == Some(&d.id))
            })
            .ok_or_else(|| IdentityError::NotInFleet(describe(me), fleet.path().to_owned()))?,
    };
    if device.platform != Platform::Linux {
        return Err(IdentityError::NotLinux {
            name: device.name.clone(),
            id: device.id.to_string(),
            platform: device.platform,
        });
    }
    Ok(device)
}

fn describe(me: &Identity) -> String {
    let mut parts = Vec::new();
    match &me.machine_id {
        Some(id) => parts.push(format!("machine-id {id}")),
        None => parts.push("no machine-id".to_owned()),
    }
    if me.macs.is_empty() {
        parts.push("no MAC".to_owned());
    }
    for (iface, mac) in &me.macs {
        parts.push(format!("{iface} {mac}"));
    }
    parts.join(", ")
}

/// The MAC for the exposition's `mac` label: the device's own id if it is a MAC, else the
/// named interface's, else the first interface's.
pub fn mac_for(device: &Device, me: &Identity, interface: Option<&str>) -> Option<String> {
    if let Some(m) = me
        .macs
        .iter()
        .find(|(_, m)| DeviceId::normalize(m).as_ref() == Some(&device.id))
    {
        return Some(m.1.clone());
    }
    match interface {
        Some(i) => me.macs.iter().find(|(n, _)| n == i).map(|(_, m)| m.clone()),
        None => me.macs.first().map(|(_, m)| m.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLEET: &str = r#"
[devices.5f0c9a1e2b3d4c5e6f708192a3b4c5d6]
name = "pi-hall"
platform = "linux"
[devices.dca632a1b2c3]
name = "pi-garage"
platform = "linux"
[devices.7c9ebd61abe4]
name = "front-door"
platform = "esp32"
"#;

    fn tree(machine_id: &str, ifaces: &[(&str, &str)]) -> (tempfile::TempDir, Identity) {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::write(dir.path().join("machine-id"), machine_id).expect("write");
        for (name, mac) in ifaces {
            let d = dir.path().join("net").join(name);
            fs::create_dir_all(&d).expect("mkdir");
            fs::write(d.join("address"), format!("{mac}\n")).expect("write");
        }
        let me = Identity::read(&dir.path().join("machine-id"), &dir.path().join("net"));
        (dir, me)
    }

    #[test]
    fn reads_machine_id_and_macs() {
        let (_d, me) = tree(
            "5F0C9A1E2B3D4C5E6F708192A3B4C5D6\n",
            &[
                ("wlan0", "DC:A6:32:A1:B2:C4"),
                ("eth0", "dc:a6:32:a1:b2:c3"),
                ("lo", "00:00:00:00:00:00"),
            ],
        );
        assert_eq!(
            me,
            Identity {
                machine_id: DeviceId::parse("5f0c9a1e2b3d4c5e6f708192a3b4c5d6").ok(),
                macs: vec![
                    ("eth0".into(), "dc:a6:32:a1:b2:c3".into()),
                    ("wlan0".into(), "dc:a6:32:a1:b2:c4".into()),
                ],
            }
        );
    }

    #[test]
    fn finds_the_device_by_flag_machine_id_or_mac() {
        let fleet = Fleet::from_toml(FLEET, "fleet.toml").expect("valid");
        let (_d, me) = tree("5f0c9a1e2b3d4c5e6f708192a3b4c5d6\n", &[]);
        assert_eq!(
            find_device(&fleet, None, &me).map(|d| d.name.as_str()),
            Ok("pi-hall")
        );
        assert_eq!(
            find_device(&fleet, Some("pi-garage"), &me).map(|d| d.name.as_str()),
            Ok("pi-garage")
        );
        let (_d, me) = tree(
            "00000000000000000000000000000001\n",
            &[("eth0", "dc:a6:32:a1:b2:c3")],
        );
        let garage = find_device(&fleet, None, &me).expect("by MAC");
        assert_eq!(garage.name, "pi-garage");
        assert_eq!(
            mac_for(garage, &me, None).as_deref(),
            Some("dc:a6:32:a1:b2:c3")
        );
    }

    #[test]
    fn explains_what_it_could_not_find() {
        let fleet = Fleet::from_toml(FLEET, "fleet.toml").expect("valid");
        let (_d, me) = tree(
            "00000000000000000000000000000001\n",
            &[("eth0", "dc:a6:32:00:00:01")],
        );
        assert_eq!(
            find_device(&fleet, None, &me)
                .map(|d| d.name.clone())
                .expect_err("unknown")
                .to_string(),
            "this machine (machine-id 00000000000000000000000000000001, eth0 dc:a6:32:00:00:01) is not in fleet.toml: add it as [devices.<machine-id>] with platform = \"linux\", or pass --device"
        );
        assert_eq!(
            find_device(&fleet, Some("pi-attic"), &me)
                .map(|d| d.name.clone())
                .expect_err("unknown")
                .to_string(),
            "no device \"pi-attic\" in fleet.toml"
        );
        assert_eq!(
            find_device(&fleet, Some("front-door"), &me)
                .map(|d| d.name.clone())
                .expect_err("esp32")
                .to_string(),
            "device front-door (7c9ebd61abe4) runs on esp32, not linux: promcast-agent is for Linux boards"
        );
    }
}
