//! The fleet file: the shipped example loads to exactly what it says, and mistakes are
//! reported with their exact texts, all at once.

use std::path::Path;
use std::time::Duration;

use promcast_core::probe::RomId;
use promcast_fleet::{DeviceId, Fleet, IdKind, LoadError, Pin, Platform, Probe, Pull, Push};

fn example_path() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/fleet.example.toml")
}

/// The errors for `text`, one line each, as `Display` writes them.
fn errors(text: &str) -> Vec<String> {
    match Fleet::from_toml(text, "fleet.toml") {
        Ok(f) => panic!("accepted: {f:?}"),
        Err(LoadError::Invalid { errors, .. }) => errors.iter().map(|e| e.to_string()).collect(),
        Err(e) => panic!("not a validation error: {e}"),
    }
}

fn parse_error(text: &str) -> String {
    match Fleet::from_toml(text, "fleet.toml") {
        Err(e @ LoadError::Parse { .. }) => e.to_string(),
        other => panic!("not a parse error: {other:?}"),
    }
}

fn rom(s: &str) -> RomId {
    RomId::parse(s).expect("valid ROM id")
}

const ESP: &str = "[devices.7c9ebd61abe4]\nname = \"front-door\"\nplatform = \"esp32\"\n";

#[test]
fn the_example_loads() {
    let fleet = Fleet::load(example_path()).expect("the example is valid");
    let names: Vec<&str> = fleet.devices().iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["front-door", "pico-loft", "pico-airing", "pi-hall"]);
    let multicast = Some(Push::Multicast("239.0.0.1:9999".parse().expect("addr")));
    assert_eq!(fleet.defaults().push, multicast);

    let door = fleet.device("front-door").expect("front-door");
    assert_eq!(door.id.as_str(), "7c9ebd61abe4");
    assert_eq!(door.id.kind(), IdKind::Mac);
    assert_eq!(door.hostname, "esp32-gpiotest");
    assert_eq!(door.platform, Platform::Esp32);
    assert_eq!(
        door.pins,
        [
            Pin {
                number: 32,
                name: "left".into(),
                pull: Pull::Up,
                active_low: true,
                debounce: Duration::from_millis(50),
            },
            Pin {
                number: 19,
                name: "right".into(),
                pull: Pull::Up,
                active_low: true,
                debounce: Duration::from_millis(50),
            },
        ]
    );
    assert_eq!(door.http_port, 80);
    assert_eq!(door.push, multicast);
    assert_eq!(door.poll_interval, Duration::from_secs(10));
    assert_eq!(door.contact_state_interval, Some(Duration::from_secs(60)));
    assert_eq!(door.announce_interval, Some(Duration::from_secs(60)));
    assert_eq!(door.gpio_chip, None);

    let loft = fleet.device("e6614103e7452d2f").expect("by id");
    assert_eq!(loft.name, "pico-loft");
    assert_eq!(loft.hostname, "pico-loft");
    assert_eq!(loft.onewire_pin, 15);
    assert_eq!(loft.internal_temperature.as_deref(), Some("PicoLoftBoard"));
    assert_eq!(
        loft.probes,
        [
            Probe {
                rom: rom("28ff641e7216036f"),
                name: "ColdWaterTank".into(),
                offset: -0.5,
            },
            Probe {
                rom: rom("28ff8a2b031503cf"),
                name: "Loft".into(),
                offset: 0.0,
            },
        ]
    );

    let airing = fleet.device("pico-airing").expect("pico-airing");
    assert_eq!(
        airing.push,
        Some(Push::Unicast {
            host: "192.168.1.10".into(),
            port: 9999
        })
    );
    assert_eq!(airing.poll_interval, Duration::from_secs(30));
    assert_eq!(airing.probes[0].rom, rom("28-00000a1b2c03"));

    let pi = fleet.device("pi-hall").expect("pi-hall");
    assert_eq!(pi.id.kind(), IdKind::MachineId);
    assert_eq!(pi.platform, Platform::Linux);
    assert_eq!(pi.http_port, 10081);
    assert_eq!(pi.announce_interval, Some(Duration::from_secs(60)));
    assert_eq!(pi.onewire_pin, 4);
    assert_eq!(pi.gpio_chip.as_deref(), Some(Path::new("/dev/gpiochip0")));
    assert_eq!(pi.pins[0].name, "back-door");
    assert_eq!(pi.pins[0].pin_config().debounce, Duration::from_millis(20));
    assert!(pi.pins[0].pin_config().active_low);
    assert_eq!(pi.probes[0].rom, rom("28-0000072431a5"));
}

#[test]
fn devices_are_found_by_id_in_any_spelling_or_by_name() {
    let fleet = Fleet::load(example_path()).expect("valid");
    for q in [
        "7c9ebd61abe4",
        "7C:9E:BD:61:AB:E4",
        "7c-9e-bd-61-ab-e4",
        "front-door",
    ] {
        assert_eq!(
            fleet.device(q).map(|d| d.name.as_str()),
            Some("front-door"),
            "{q}"
        );
    }
    assert_eq!(
        fleet
            .device("5f0c9a1e2b3d4c5e6f708192a3b4c5d6\n")
            .map(|d| d.name.as_str()),
        Some("pi-hall")
    );
    assert!(fleet.device("back-door").is_none());
    assert!(fleet.device("000000000000").is_none());
}

#[test]
fn defaults_apply_where_a_device_says_nothing() {
    let fleet = Fleet::from_toml(
        "[devices.7c9ebd61abe4]\nname = \"a\"\nplatform = \"esp32c3\"\n\
         [devices.5f0c9a1e2b3d4c5e6f708192a3b4c5d6]\nname = \"b\"\nplatform = \"linux\"\n\
         push = \"gateway.lan:9999\"\ncontact_state_interval = \"0s\"\nhttp_port = 9100\n\
         announce_interval = \"0s\"\n\
         gpio_chip = \"gpiochip4\"\n",
        "f.toml",
    )
    .expect("valid");
    let a = fleet.device("a").expect("a");
    assert_eq!(a.hostname, "a");
    assert_eq!(a.poll_interval, Duration::from_secs(10));
    assert_eq!(a.push, None);
    assert_eq!(a.contact_state_interval, Some(Duration::from_secs(60)));
    assert_eq!(a.announce_interval, Some(Duration::from_secs(60)));
    assert_eq!(a.onewire_pin, 15);
    assert_eq!(a.http_port, 80);
    let b = fleet.device("b").expect("b");
    assert_eq!(
        b.push,
        Some(Push::Unicast {
            host: "gateway.lan".into(),
            port: 9999
        })
    );
    assert_eq!(b.contact_state_interval, None);
    assert_eq!(b.announce_interval, None, "0s: no announcements");
    assert_eq!(b.http_port, 9100);
    assert_eq!(b.gpio_chip.as_deref(), Some(Path::new("/dev/gpiochip4")));
    assert_eq!(
        b.id,
        DeviceId::parse("5f0c9a1e2b3d4c5e6f708192a3b4c5d6").expect("id")
    );

    let fleet = Fleet::from_toml(
        "[defaults]\npush = \"239.0.0.1:9999\"\npoll_interval = \"1m\"\n\
         contact_state_interval = \"5m\"\nannounce_interval = \"2m\"\n\
         [devices.7c9ebd61abe4]\nname = \"a\"\nplatform = \"esp32\"\npush = false\n\
         [devices.7c9ebd61abe5]\nname = \"b\"\nplatform = \"esp32\"\nannounce_interval = \"30s\"\n",
        "f.toml",
    )
    .expect("valid");
    let a = fleet.device("a").expect("a");
    assert_eq!(a.push, None, "push = false overrides [defaults]");
    assert_eq!(a.poll_interval, Duration::from_secs(60));
    assert_eq!(a.contact_state_interval, Some(Duration::from_secs(300)));
    assert_eq!(a.announce_interval, Some(Duration::from_secs(120)));
    let b = fleet.device("b").expect("b");
    assert_eq!(b.announce_interval, Some(Duration::from_secs(30)));
    assert_eq!(
        b.push,
        Some(Push::Multicast("239.0.0.1:9999".parse().expect("addr")))
    );
}

#[test]
fn announce_interval_in_defaults_is_checked() {
    assert_eq!(
        errors("[defaults]\nannounce_interval = \"500ms\"\n"),
        [
            "defaults.announce_interval: 500ms is out of range 1s..=1day (0s switches announcements off)"
        ]
    );
    let fleet = Fleet::from_toml(
        &format!("[defaults]\nannounce_interval = \"0s\"\n{ESP}"),
        "f.toml",
    )
    .expect("valid");
    assert_eq!(fleet.defaults().announce_interval, None);
    assert_eq!(
        fleet.device("front-door").expect("door").announce_interval,
        None
    );
}

#[test]
fn an_empty_file_is_an_empty_fleet() {
    let fleet = Fleet::from_toml("", "f.toml").expect("valid");
    assert!(fleet.devices().is_empty());
    assert_eq!(fleet.defaults().poll_interval, Duration::from_secs(10));
}

#[test]
fn every_mistake_is_reported_with_device_and_path() {
    let text = r#"
[devices.7c9ebd61abe4]
name = "front-door"
platform = "esp32"
pins = [
    { number = 32, name = "left", pull = "up", active_low = true },
    { number = 19, name = "left" },
    { number = 32, name = "right" },
    { number = 7, name = "flash" },
    { number = 36, name = "input-only", pull = "down" },
    { number = 21, name = "bouncy", debounce = "30s" },
    { number = 22, name = "" },
]

[devices.7c9ebd61abe5]
name = "front-door"
hostname = "esp32-gpiotest-with-a-long-name"
platform = "pico-w"

[devices.e6614103e7452d2f]
name = "Pico_Loft"
platform = "pico-w"
internal_temperature = "Loft"
poll_interval = "100ms"
contact_state_interval = "500ms"
pins = [{ number = 15, name = "door" }]
probes = [
    { rom = "28ff641e7216036f", name = "Loft" },
    { rom = "28ff641e7216036e", name = "Tank" },
    { rom = "28-zz0000000000", name = "Shed" },
    { rom = "10-000802b5c5e2", name = "OldProbe" },
    { rom = "28FF641E7216036F", name = "Again", offset = 25.0 },
]

[devices.5f0c9a1e2b3d4c5e6f708192a3b4c5d6]
name = "pi-hall-with-a-very-long-name"
platform = "linux"
internal_temperature = "Cpu"
announce_interval = "2d"
http_port = 0
gpio_chip = "chip0"
probes = [{ rom = "28-00000a1b2c02", name = "X" }]

[devices.e6614103e7452d30]
name = "pico-two"
platform = "pico2-w"
gpio_chip = "/dev/gpiochip0"
probes = [{ rom = "28-00000a1b2c02", name = "Y" }]

[devices.7C9EBD61ABE6]
name = "shouty"
platform = "esp32c6"
"#;
    assert_eq!(
        errors(text),
        [
            r#"devices.7c9ebd61abe4 (front-door): pins[1].name: duplicate pin name "left""#,
            r#"devices.7c9ebd61abe4 (front-door): pins[2].number: duplicate pin number 32 (also pins[0])"#,
            r#"devices.7c9ebd61abe4 (front-door): pins[3].number: GPIO 7 is not usable on esp32 (usable: 0-5, 12-19, 21-23, 25-27, 32-39)"#,
            r#"devices.7c9ebd61abe4 (front-door): pins[4].pull: GPIO 34-39 on esp32 have no internal pull resistors: fit an external one and set pull = "none""#,
            r#"devices.7c9ebd61abe4 (front-door): pins[5].debounce: 30s is longer than 10s"#,
            r#"devices.7c9ebd61abe4 (front-door): pins[6].name: must not be empty"#,
            r#"devices.7c9ebd61abe5 (front-door): name: duplicate device name "front-door" (also devices.7c9ebd61abe4 (front-door))"#,
            r#"devices.7c9ebd61abe5 (front-door): hostname: "esp32-gpiotest-with-a-long-name" is 31 characters; a DHCP hostname must be shorter than 16"#,
            r#"devices.7c9ebd61abe5 (front-door): platform: a pico-w device is keyed by a 16-hex-digit flash unique id, but "7c9ebd61abe5" is a 12-hex-digit chip id or MAC"#,
            r#"devices.e6614103e7452d2f (Pico_Loft): name: "Pico_Loft" is not a device name: use lower-case letters, digits and hyphens, starting with a letter or digit"#,
            r#"devices.e6614103e7452d2f (Pico_Loft): hostname: "Pico_Loft" is not a valid hostname: use letters, digits and hyphens, not starting or ending with a hyphen (it defaults to the name; set hostname)"#,
            r#"devices.e6614103e7452d2f (Pico_Loft): pins[0].number: GPIO 15 is the 1-Wire bus (onewire_pin)"#,
            r#"devices.e6614103e7452d2f (Pico_Loft): probes[1].rom: "28ff641e7216036e": the CRC (last byte) does not match; check the id for a typo, or write the Linux form ("28-xxxxxxxxxxxx"), which has no CRC"#,
            r#"devices.e6614103e7452d2f (Pico_Loft): probes[2].rom: "28-zz0000000000" is not a ROM id: write 16 hex digits ("28ff641e7216036f") or the Linux form ("28-0000072431a5")"#,
            r#"devices.e6614103e7452d2f (Pico_Loft): probes[3].rom: "10-000802b5c5e2" is not a DS18B20: its family code is 10, a DS18B20's is 28"#,
            r#"devices.e6614103e7452d2f (Pico_Loft): probes[4].rom: duplicate probe "28FF641E7216036F" (also probes[0])"#,
            r#"devices.e6614103e7452d2f (Pico_Loft): probes[4].offset: 25 is not a calibration offset: it must be within ±10 °C"#,
            r#"devices.e6614103e7452d2f (Pico_Loft): internal_temperature: "Loft" is already the name of probes[0]"#,
            r#"devices.e6614103e7452d2f (Pico_Loft): poll_interval: 100ms is out of range 1s..=1day (a conversion alone takes 750ms)"#,
            r#"devices.e6614103e7452d2f (Pico_Loft): contact_state_interval: 500ms is out of range 1s..=1day (0s switches periodic state packets off)"#,
            r#"devices.5f0c9a1e2b3d4c5e6f708192a3b4c5d6 (pi-hall-with-a-very-long-name): hostname: "pi-hall-with-a-very-long-name" is 29 characters; a DHCP hostname must be shorter than 16 (it defaults to the name; set hostname)"#,
            r#"devices.5f0c9a1e2b3d4c5e6f708192a3b4c5d6 (pi-hall-with-a-very-long-name): internal_temperature: only pico-w and pico2-w have an internal temperature sensor, not linux"#,
            r#"devices.5f0c9a1e2b3d4c5e6f708192a3b4c5d6 (pi-hall-with-a-very-long-name): announce_interval: 2days is out of range 1s..=1day (0s switches announcements off)"#,
            r#"devices.5f0c9a1e2b3d4c5e6f708192a3b4c5d6 (pi-hall-with-a-very-long-name): http_port: must be 1-65535"#,
            r#"devices.5f0c9a1e2b3d4c5e6f708192a3b4c5d6 (pi-hall-with-a-very-long-name): gpio_chip: "chip0" is neither a device path ("/dev/gpiochip0") nor a chip name ("gpiochip0")"#,
            r#"devices.e6614103e7452d30 (pico-two): probes[0].rom: probe "28-00000a1b2c02" is also configured on devices.5f0c9a1e2b3d4c5e6f708192a3b4c5d6 (pi-hall-with-a-very-long-name)"#,
            r#"devices.e6614103e7452d30 (pico-two): gpio_chip: only linux devices have a GPIO chip, not pico2-w"#,
            r#"devices.7C9EBD61ABE6 (shouty): the id must be 12 (ESP32 chip id or MAC), 16 (Pico flash unique id) or 32 (Linux /etc/machine-id) lower-case hex digits; write "7c9ebd61abe6""#,
        ]
    );
}

#[test]
fn duplicate_hostnames_are_reported() {
    let text = format!(
        "{ESP}hostname = \"door\"\n[devices.7c9ebd61abe5]\nname = \"door\"\nplatform = \"esp32\"\n"
    );
    assert_eq!(
        errors(&text),
        [
            r#"devices.7c9ebd61abe5 (door): hostname: duplicate hostname "door" (also devices.7c9ebd61abe4 (front-door))"#
        ]
    );
}

#[test]
fn seed_style_pin_keys_say_what_to_write() {
    let text = format!(
        "{ESP}pins = [\n\
         {{ number = 32, name = \"a\", pull_up = true, pull_down = true }},\n\
         {{ number = 33, name = \"b\", pull_up = true, on_value = 0 }},\n\
         {{ number = 25, name = \"c\", pull_down = false, on_value = 1 }},\n]\n"
    );
    assert_eq!(
        errors(&text),
        [
            r#"devices.7c9ebd61abe4 (front-door): pins[0]: both pull_up and pull_down: a pin has one pull; write pull = "up", "down" or "none""#,
            r#"devices.7c9ebd61abe4 (front-door): pins[1].pull_up: the fleet file says pull = "up" instead"#,
            r#"devices.7c9ebd61abe4 (front-door): pins[1].on_value: the fleet file says active_low = true instead"#,
            r#"devices.7c9ebd61abe4 (front-door): pins[2].pull_down: the fleet file says pull = "none" (the default) instead"#,
            r#"devices.7c9ebd61abe4 (front-door): pins[2].on_value: the fleet file says active_low = false (the default) instead"#,
        ]
    );
}

#[test]
fn wifi_secrets_in_the_fleet_file_are_refused() {
    let text = format!(
        "ssid = \"HomeNet\"\n[defaults]\npsk = \"hunter22\"\n{ESP}[devices.7c9ebd61abe4.wifi]\nssid = \"x\"\n"
    );
    assert_eq!(
        errors(&text),
        [
            "ssid: Wi-Fi secrets do not belong in the fleet file, which is shared and committed; move it to secrets.toml ([wifi] ssid/psk)",
            "defaults.psk: Wi-Fi secrets do not belong in the fleet file, which is shared and committed; move it to secrets.toml ([wifi] ssid/psk)",
            "devices.7c9ebd61abe4 (front-door): wifi: Wi-Fi secrets do not belong in the fleet file, which is shared and committed; move it to secrets.toml under [devices.7c9ebd61abe4.wifi]",
        ]
    );
}

#[test]
fn unknown_fields_are_rejected_everywhere() {
    let cases = [
        (
            "colour = \"red\"\n".to_owned(),
            "colour: unknown key: the fleet file has a [defaults] table and [devices.<id>] tables",
        ),
        (
            "[defaults]\npoll = \"5s\"\n".to_owned(),
            "defaults: unknown field \"poll\", expected one of \"poll_interval\", \"push\", \"contact_state_interval\", \"announce_interval\"",
        ),
        (
            format!("{ESP}colour = \"red\"\n"),
            "devices.7c9ebd61abe4 (front-door): unknown field \"colour\", expected one of \"name\", \"hostname\", \"platform\", \"pins\", \"probes\", \"onewire_pin\", \"internal_temperature\", \"poll_interval\", \"push\", \"contact_state_interval\", \"announce_interval\", \"http_port\", \"gpio_chip\"",
        ),
        (
            format!("{ESP}pins = [{{ number = 32, name = \"a\", invert = true }}]\n"),
            "devices.7c9ebd61abe4 (front-door): pins[0]: unknown field \"invert\", expected one of \"number\", \"name\", \"pull\", \"active_low\", \"debounce\"",
        ),
        (
            format!(
                "{ESP}probes = [{{ rom = \"28-0000072431a5\", name = \"a\", unit = \"C\" }}]\n"
            ),
            "devices.7c9ebd61abe4 (front-door): probes[0]: unknown field \"unit\", expected one of \"rom\", \"name\", \"offset\"",
        ),
        (
            "[device.7c9ebd61abe4]\nname = \"x\"\n".to_owned(),
            "device: unknown key: the fleet file has a [defaults] table and [devices.<id>] tables",
        ),
    ];
    for (text, want) in cases {
        assert_eq!(errors(&text), [want], "{text}");
    }
}

#[test]
fn wrong_types_and_values_name_the_setting() {
    let cases = [
        (
            "[devices.7c9ebd61abe4]\nplatform = \"esp32\"\n".to_owned(),
            "devices.7c9ebd61abe4: missing field \"name\"",
        ),
        (
            "[devices.7c9ebd61abe4]\nname = \"a\"\nplatform = \"esp8266\"\n".to_owned(),
            "devices.7c9ebd61abe4 (a): platform: unknown variant \"esp8266\", expected one of \"esp32c3\", \"esp32c6\", \"esp32\", \"esp32s3\", \"pico-w\", \"pico2-w\", \"linux\"",
        ),
        (
            format!("{ESP}pins = [{{ number = 32, name = \"a\", pull = \"sideways\" }}]\n"),
            "devices.7c9ebd61abe4 (front-door): pins[0].pull: unknown variant \"sideways\", expected one of \"up\", \"down\", \"none\"",
        ),
        (
            format!("{ESP}pins = [{{ number = -1, name = \"a\" }}]\n"),
            "devices.7c9ebd61abe4 (front-door): pins[0].number: invalid value: integer \"-1\", expected u32",
        ),
        (
            format!("{ESP}poll_interval = \"ten seconds\"\n"),
            "devices.7c9ebd61abe4 (front-door): poll_interval: invalid value: string \"ten seconds\", expected a duration",
        ),
        (
            format!("{ESP}push = \"239.0.0.1\"\n"),
            "devices.7c9ebd61abe4 (front-door): push: \"239.0.0.1\" has no port: write \"host:port\", e.g. \"239.0.0.1:9999\"",
        ),
        (
            format!("{ESP}push = true\n"),
            "devices.7c9ebd61abe4 (front-door): push: push = true names no target: give \"host:port\" (or false for no push)",
        ),
        (
            format!("{ESP}push = 9999\n"),
            "devices.7c9ebd61abe4 (front-door): push: invalid type: integer \"9999\", expected a push target such as \"239.0.0.1:9999\" or \"gateway.lan:9999\", or false",
        ),
        (
            "[defaults]\npush = \"gateway\"\n".to_owned(),
            "defaults.push: \"gateway\" has no port: write \"host:port\", e.g. \"gateway:9999\"",
        ),
        (
            "devices = 3\n".to_owned(),
            "devices: must be a table of devices keyed by id: [devices.<id>]",
        ),
    ];
    for (text, want) in cases {
        assert_eq!(errors(&text), [want], "{text}");
    }
}

#[test]
fn toml_syntax_errors_and_duplicate_ids_carry_the_line() {
    assert_eq!(
        parse_error("[devices.7c9ebd61abe4]\nname = \"a\nplatform = \"esp32\"\n"),
        "fleet.toml: TOML parse error at line 2, column 10\n  |\n2 | name = \"a\n  |          ^\ninvalid basic string, expected `\"`"
    );
    assert_eq!(
        parse_error(&format!("{ESP}{ESP}")),
        "fleet.toml: TOML parse error at line 4, column 10\n  |\n4 | [devices.7c9ebd61abe4]\n  |          ^^^^^^^^^^^^\nduplicate key"
    );
}

#[test]
fn load_reports_the_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("fleet.toml");
    let e = Fleet::load(&path).expect_err("missing");
    assert_eq!(
        e.to_string(),
        format!(
            "cannot read {}: No such file or directory (os error 2)",
            path.display()
        )
    );
    std::fs::write(
        &path,
        format!("{ESP}pins = [{{ number = 7, name = \"x\" }}]\nhttp_port = 0\n"),
    )
    .expect("write");
    let e = Fleet::load(&path).expect_err("invalid");
    assert_eq!(
        e.to_string(),
        format!(
            "{p}: devices.7c9ebd61abe4 (front-door): pins[0].number: GPIO 7 is not usable on esp32 (usable: 0-5, 12-19, 21-23, 25-27, 32-39)\n\
             {p}: devices.7c9ebd61abe4 (front-door): http_port: must be 1-65535",
            p = path.display()
        )
    );
    assert_eq!(e.errors().len(), 2);
}
