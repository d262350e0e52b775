//! The secrets file: the example loads, mistakes are reported without repeating a
//! passphrase, and the fleet cross-check finds ids and networks that do not fit.

use std::path::Path;

use promcast_fleet::{DeviceId, Fleet, LoadError, Secrets, Wifi};

fn deploy(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../deploy")
        .join(name)
}

fn errors(text: &str) -> Vec<String> {
    match Secrets::from_toml(text, "secrets.toml") {
        Ok(s) => panic!("accepted: {s:?}"),
        Err(LoadError::Invalid { errors, .. }) => errors.iter().map(|e| e.to_string()).collect(),
        Err(e) => panic!("not a validation error: {e}"),
    }
}

fn id(s: &str) -> DeviceId {
    DeviceId::parse(s).expect("id")
}

#[test]
fn the_example_loads_and_picks_each_devices_network() {
    let secrets = Secrets::load(deploy("secrets.example.toml")).expect("valid");
    let home = Wifi {
        ssid: "HomeNet".into(),
        psk: Some("correct horse battery staple".into()),
    };
    let upstairs = Wifi {
        ssid: "HomeNet-Upstairs".into(),
        psk: Some("another long passphrase".into()),
    };
    assert_eq!(secrets.wifi_for(&id("7c9ebd61abe4")), Some(&home));
    assert_eq!(secrets.wifi_for(&id("e66338e1ab2c3d4f")), Some(&upstairs));

    let fleet = Fleet::load(deploy("fleet.example.toml")).expect("valid");
    assert_eq!(secrets.check_fleet(&fleet), []);
}

#[test]
fn debug_output_hides_the_passphrase() {
    let secrets = Secrets::from_toml(
        "[wifi]\nssid = \"HomeNet\"\npsk = \"hunter2hunter2\"\n",
        "s.toml",
    )
    .expect("valid");
    let debug = format!("{secrets:?}");
    assert!(!debug.contains("hunter2"), "{debug}");
    assert_eq!(
        format!("{:?}", secrets.wifi_for(&id("7c9ebd61abe4")).expect("wifi")),
        "Wifi { ssid: \"HomeNet\", psk: Some(\"<hidden>\") }"
    );
}

#[test]
fn an_open_network_has_no_psk() {
    let secrets = Secrets::from_toml("[wifi]\nssid = \"Cafe\"\n", "s.toml").expect("valid");
    assert_eq!(
        secrets.wifi_for(&id("7c9ebd61abe4")),
        Some(&Wifi {
            ssid: "Cafe".into(),
            psk: None
        })
    );
}

#[test]
fn mistakes_are_reported_without_the_passphrase() {
    let text = "[wifi]\nssid = \"\"\npsk = \"short\"\n\
                [devices.7c9ebd61abe4.wifi]\nssid = \"a-network-name-longer-than-32-bytes\"\npsk = \"caf\u{e9} au lait\"\n\
                [devices.7C9EBD61ABE5.wifi]\nssid = \"x\"\n\
                [devices.e6614103e7452d2f]\nssid = \"x\"\n\
                [devices.e6614103e7452d30.wifi]\nssid = \"x\"\npassword = \"x\"\n\
                [mqtt]\nhost = \"x\"\n";
    let got = errors(text);
    assert_eq!(
        got,
        [
            "wifi.ssid: an SSID is 1-32 bytes, this one is 0",
            "wifi.psk: a WPA passphrase is 8-63 printable ASCII characters (or a key of 64 hex digits); this one is 5 bytes",
            "devices.7c9ebd61abe4: wifi.ssid: an SSID is 1-32 bytes, this one is 35",
            "devices.7c9ebd61abe4: wifi.psk: a WPA passphrase is 8-63 printable ASCII characters (or a key of 64 hex digits); this one is 13 bytes with characters outside printable ASCII",
            "devices.7C9EBD61ABE5: the id must be 12 (ESP32 chip id or MAC), 16 (Pico flash unique id) or 32 (Linux /etc/machine-id) lower-case hex digits; write \"7c9ebd61abe5\"",
            "devices.e6614103e7452d2f: unknown field \"ssid\", expected \"wifi\"",
            "devices.e6614103e7452d30: wifi: unknown field \"password\", expected \"ssid\" or \"psk\"",
            "mqtt: unknown key: the secrets file has a [wifi] table and [devices.<id>.wifi] tables",
        ]
    );
    for line in &got {
        assert!(!line.contains("short") && !line.contains("lait"), "{line}");
    }
}

#[test]
fn the_fleet_check_finds_strangers_and_devices_without_a_network() {
    let fleet = Fleet::load(deploy("fleet.example.toml")).expect("valid");
    let secrets = Secrets::from_toml(
        "[devices.e6614103e7452d2f.wifi]\nssid = \"Loft\"\n[devices.000000000001.wifi]\nssid = \"x\"\n",
        "secrets.toml",
    )
    .expect("valid");
    let got: Vec<String> = secrets
        .check_fleet(&fleet)
        .iter()
        .map(|e| e.to_string())
        .collect();
    let f = fleet.path().display();
    assert_eq!(
        got,
        [
            format!("devices.000000000001: no device with this id in {f}"),
            "devices.7c9ebd61abe4 (front-door): wifi: no Wi-Fi credentials for this esp32: add [wifi] or [devices.7c9ebd61abe4.wifi] to secrets.toml".to_owned(),
            "devices.e66338e1ab2c3d4f (pico-airing): wifi: no Wi-Fi credentials for this pico2-w: add [wifi] or [devices.e66338e1ab2c3d4f.wifi] to secrets.toml".to_owned(),
        ]
    );
}
