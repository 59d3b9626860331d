//! Photo folders: mirrored trees, selection, resumable runs, dry runs, shards and name templates.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::common::*;
use fanlight::{Config, ItemError};
use fanlight::{OnExists, Shard};

const LIMIT: Duration = Duration::from_secs(60);

fn tree(root: &Path) {
    photo_folder(&root.join("in"), 5); // four at the top, one in sub/
    std::fs::create_dir_all(root.join("in/sub/deeper")).unwrap();
    write_png(&root.join("in/sub/deeper/d.png"), &picture(10, 10, 3));
    std::fs::write(root.join("in/notes.txt"), "not a photo").unwrap();
    std::fs::write(root.join("in/.hidden.jpg"), "hidden").unwrap();
}

fn rels(paths: &[PathBuf]) -> Vec<String> {
    paths
        .iter()
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .collect()
}

#[test]
fn the_output_tree_mirrors_the_input_tree_and_can_stay_flat() {
    let tmp = tempdir();
    tree(tmp.path());
    let out = tmp.path().join("out");
    let report = run_watched(Config::new(vec![tmp.path().join("in")], &out), LIMIT);
    assert_eq!(report.ok, 6, "{:?}", report.failures);
    assert_eq!(
        rels(&files_below(&out)),
        [
            "p00.jpg",
            "p01.png",
            "p02.jpg",
            "p03.png",
            "sub/deeper/d.png",
            "sub/p04.jpg"
        ]
    );
    let flat = tmp.path().join("flat");
    let mut config = Config::new(vec![tmp.path().join("in")], &flat);
    config.select.recursive = false;
    assert_eq!(run_watched(config, LIMIT).ok, 4);
    assert_eq!(files_below(&flat).len(), 4);
}

#[test]
fn include_and_exclude_globs_select_files() {
    let tmp = tempdir();
    tree(tmp.path());
    let out = tmp.path().join("out");
    let mut config = Config::new(vec![tmp.path().join("in")], &out);
    config.select.include = vec!["*.png".into()];
    config.select.exclude = vec!["sub/**".into()];
    run_watched(config, LIMIT);
    assert_eq!(rels(&files_below(&out)), ["p01.png", "p03.png"]);
}

#[test]
fn a_second_run_with_skip_skips_every_file_and_fail_refuses_them() {
    let tmp = tempdir();
    tree(tmp.path());
    let out = tmp.path().join("out");
    let input = vec![tmp.path().join("in")];
    run_watched(Config::new(input.clone(), &out), LIMIT);
    let before: Vec<_> = files_below(&out)
        .iter()
        .map(|f| std::fs::metadata(out.join(f)).unwrap().modified().unwrap())
        .collect();

    let mut config = Config::new(input.clone(), &out);
    config.on_exists = OnExists::Skip;
    let report = run_watched(config, LIMIT);
    assert_eq!((report.total, report.ok, report.skipped.len()), (6, 0, 6));
    let after: Vec<_> = files_below(&out)
        .iter()
        .map(|f| std::fs::metadata(out.join(f)).unwrap().modified().unwrap())
        .collect();
    assert_eq!(before, after, "skipped outputs are untouched");

    std::fs::remove_file(out.join("p02.jpg")).unwrap();
    let mut config = Config::new(input.clone(), &out);
    config.on_exists = OnExists::Skip;
    let report = run_watched(config, LIMIT);
    assert_eq!(
        (report.ok, report.skipped.len()),
        (1, 5),
        "only the missing one is redone"
    );

    let mut config = Config::new(input, &out);
    config.on_exists = OnExists::Fail;
    let report = run_watched(config, LIMIT);
    assert_eq!(report.failed, 6);
    assert!(matches!(
        report.failures[0].error,
        ItemError::OutputExists(_)
    ));
}

#[test]
fn shards_together_write_every_file_exactly_once() {
    let tmp = tempdir();
    photo_folder(&tmp.path().join("in"), 24);
    let mut all = Vec::new();
    for k in 1..=3 {
        let out = tmp.path().join(format!("out{k}"));
        let mut config = Config::new(vec![tmp.path().join("in")], &out);
        config.select.shard = Some(Shard { index: k, count: 3 });
        let report = run_watched(config, LIMIT);
        assert!(
            report.ok > 0 && report.ok < 24,
            "shard {k} got {}",
            report.ok
        );
        all.extend(files_below(&out));
    }
    all.sort();
    let mut unique = all.clone();
    unique.dedup();
    assert_eq!((all.len(), unique.len()), (24, 24));
}

#[test]
fn dry_run_lists_inputs_and_outputs_and_writes_nothing() {
    let tmp = tempdir();
    tree(tmp.path());
    let o = Command::new(env!("CARGO_BIN_EXE_fanlight"))
        .args([
            "convert",
            "in",
            "-o",
            "out",
            "--format",
            "jpeg",
            "--name",
            "{stem}-web.{ext}",
            "--dry-run",
        ])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(stdout.lines().count(), 6, "{stdout}");
    assert!(stdout.contains("p01.png -> out/p01-web.jpg"), "{stdout}");
    assert!(!tmp.path().join("out").exists(), "nothing written");
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates a file system entry.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0, "mkfifo");
}

#[test]
fn fifos_devices_and_broken_links_in_a_folder_are_named_and_the_rest_written() {
    use std::os::unix::fs::symlink;
    let tmp = tempdir();
    let input = tmp.path().join("in");
    photo_folder(&input, 2);
    mkfifo(&input.join("pipe.jpg"));
    symlink("/dev/null", input.join("device.jpg")).unwrap();
    symlink(input.join("gone.jpg"), input.join("dangling.jpg")).unwrap();
    symlink(input.join("loop-b.jpg"), input.join("loop-a.jpg")).unwrap();
    symlink(input.join("loop-a.jpg"), input.join("loop-b.jpg")).unwrap();
    symlink(input.join("p00.jpg"), input.join("link.jpg")).unwrap(); // a good link is read
    let report = run_watched(
        Config::new(vec![input.clone()], tmp.path().join("out")),
        LIMIT,
    );
    assert_eq!(report.ok, 3, "{:?}", report.failures);
    let reasons: Vec<(String, String)> = report
        .failures
        .iter()
        .map(|f| {
            let name = f
                .job
                .src
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            assert!(matches!(f.error, ItemError::NotAFile(_)), "{f}");
            (name, f.error.to_string())
        })
        .collect();
    let expect = [
        ("dangling.jpg", "a symbolic link to a missing file"),
        ("device.jpg", "a device"),
        ("loop-a.jpg", "a symbolic link loop"),
        ("loop-b.jpg", "a symbolic link loop"),
        ("pipe.jpg", "a FIFO"),
    ];
    assert_eq!(reasons.len(), expect.len(), "{reasons:?}");
    for ((name, reason), (want_name, want)) in reasons.iter().zip(expect) {
        assert_eq!(name, want_name);
        assert!(reason.contains(want), "{name}: {reason}");
    }
}

#[test]
fn files_of_a_kind_this_build_cannot_read_are_named_as_unsupported_not_passed_over() {
    let tmp = tempdir();
    let input = tmp.path().join("in");
    photo_folder(&input, 1);
    // An AVIF's first box: enough for the content check, which is all that reads it.
    let avif = [&[0, 0, 0, 0x1c][..], b"ftypavif", &[0; 4], b"avifmif1miaf"].concat();
    std::fs::write(input.join("phone.avif"), avif).unwrap();
    let jxl = input.join("export.jxl");
    std::fs::write(&jxl, [0xff, 0x0a, 0xfa, 0x00]).unwrap();
    let report = run_watched(
        Config::new(vec![input.clone()], tmp.path().join("out")),
        LIMIT,
    );
    assert_eq!(report.ok, 1, "{:?}", report.failures);
    let mut named: Vec<String> = report.failures.iter().map(ToString::to_string).collect();
    named.sort();
    let avif = named
        .iter()
        .find(|f| f.contains("phone.avif"))
        .expect("the AVIF is named");
    if cfg!(feature = "avif-read") {
        // Read by this build: the made-up file (a type box and nothing else) is damaged.
        assert!(avif.contains("cannot decode: AVIF"), "{avif}");
    } else {
        assert!(avif.contains("unsupported: AVIF"), "{avif}");
        assert!(avif.contains("--exclude '*.avif'"), "{avif}");
    }
    if cfg!(feature = "jxl") {
        assert_eq!(named.len(), 2, "{named:?}"); // the made-up JPEG XL fails as damaged
    } else {
        let jxl = named
            .iter()
            .find(|f| f.contains("export.jxl"))
            .expect("the JPEG XL is named");
        assert!(jxl.contains("unsupported: JPEG XL"), "{jxl}");
    }
}

#[test]
fn a_fifo_named_explicitly_is_refused_at_once_not_read() {
    let tmp = tempdir();
    let fifo = tmp.path().join("pipe.jpg");
    mkfifo(&fifo);
    // Reading a FIFO with no writer would block for ever: the watchdog fails the test if so.
    let report = run_watched(Config::new(vec![fifo], tmp.path().join("out")), LIMIT);
    assert_eq!(report.failed, 1);
    assert!(
        report.failures[0].to_string().contains("FIFO"),
        "{}",
        report.failures[0]
    );
}

#[test]
fn names_keep_their_bytes_and_are_escaped_when_printed() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt as _;
    let tmp = tempdir();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    // Latin-1 "café" and "cafè" (not UTF-8: the same lossy text), and a name with an ESC.
    let names: [&[u8]; 3] = [b"caf\xe9.jpg", b"caf\xe8.jpg", b"a\x1b[31mred.jpg"];
    for (i, name) in names.iter().enumerate() {
        write_jpeg(
            &input.join(OsStr::from_bytes(name)),
            &picture(24, 16, i as u8),
            None,
        );
    }
    let o = fanlight(
        &[
            "convert",
            "in",
            "-o",
            "out",
            "--report",
            "r.json",
            "--manifest",
            "m.json",
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for name in names {
        assert!(
            tmp.path()
                .join("out")
                .join(OsStr::from_bytes(name))
                .is_file(),
            "{name:?}"
        );
    }
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("r.json")).unwrap()).unwrap();
    // Every input path is recoverable, byte for byte.
    let inputs = doc["inputs"].as_array().unwrap();
    let recovered: Vec<Vec<u8>> = (0..inputs.len())
        .map(|i| match &doc["inputs_bytes"][i.to_string()] {
            serde_json::Value::Array(bytes) => {
                bytes.iter().map(|b| b.as_u64().unwrap() as u8).collect()
            }
            _ => inputs[i].as_str().unwrap().as_bytes().to_vec(),
        })
        .collect();
    for name in names {
        assert!(recovered.contains(&[b"in/", name].concat()), "{name:?}");
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("m.json")).unwrap()).unwrap();
    let latin1: Vec<_> = manifest["photos"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["outputs"][0]["path_bytes"].as_array())
        .map(|b| {
            b.iter()
                .map(|v| v.as_u64().unwrap() as u8)
                .collect::<Vec<u8>>()
        })
        .collect();
    assert_eq!(latin1.len(), 2, "{manifest}");
    assert!(latin1.contains(&b"caf\xe9.jpg".to_vec()), "{manifest}");
    // Printed, no raw control character or invalid byte reaches the terminal.
    let dry = fanlight(&["convert", "in", "-o", "dry", "--dry-run"], tmp.path());
    let listing = String::from_utf8(dry.stdout.clone()).expect("the listing is UTF-8");
    assert!(
        listing.contains("in/caf\\xe9.jpg -> dry/caf\\xe9.jpg"),
        "{listing}"
    );
    assert!(listing.contains("in/a\\x1b[31mred.jpg"), "{listing}");
    assert!(!listing.contains('\x1b'), "{listing}");
    // So does a refusal that names the output (it exists, and --on-exists fail was given).
    let again = fanlight(
        &["convert", "in", "-o", "out", "--on-exists", "fail"],
        tmp.path(),
    );
    let err = stderr(&again);
    assert!(
        err.contains("out/a\\x1b[31mred.jpg already exists"),
        "{err}"
    );
    assert!(!err.contains('\x1b'), "{err}");
    // A failure's line names the file escaped: a newline in a name cannot forge a line.
    let bad = tmp.path().join("bad");
    std::fs::create_dir_all(&bad).unwrap();
    std::fs::write(
        bad.join(OsStr::from_bytes(b"x\nerror: forged.jpg")),
        b"not a photo",
    )
    .unwrap();
    let o = fanlight(&["convert", "bad", "-o", "out-bad"], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("bad/x\\nerror: forged.jpg"), "{err}");
    assert!(
        !err.lines().any(|l| l.starts_with("error: forged")),
        "{err}"
    );
}

/// Runs the `fanlight` binary in `cwd` and returns its exit code and its peak resident memory
/// in KiB: the highest `VmHWM` of its own address space, read from `/proc` every 2 ms while it
/// runs. Not `wait4`'s `ru_maxrss`: a child spawned by vfork (as `Command` does) inherits, at
/// its exec, the high-water mark of the parent's memory, and this parent is the test binary with
/// every other test running in it.
fn peak_rss_kib(args: &[&str], cwd: &Path) -> (i32, i64) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fanlight"))
        .args(args)
        .current_dir(cwd)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("run fanlight");
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        // Read before reaping: once reaped, the pid is gone (or another process's).
        if let Ok(status) = std::fs::read_to_string(&status_file) {
            let hwm = status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<i64>().ok());
            peak = peak.max(hwm.unwrap_or(0));
        }
        if let Some(status) = child.try_wait().expect("wait for fanlight") {
            return (status.code().unwrap_or(-1), peak);
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn peak_memory_stays_flat_from_one_thousand_to_ten_thousand_photos() {
    // Links to one tiny JPEG, a thousand to a folder: the per-photo state is all that grows.
    // Before the plan, the report and the trace were spooled, 9,000 more photos cost 184 MB
    // with both documents (28 to 212 MB; 8.7 MB without); now the spools' memory is bounded.
    // Ten thousand, not the twenty, to keep CI short: each photo is two fsyncs.
    let tmp = tempdir();
    let base = tmp.path().join("base.jpg");
    write_jpeg(&base, &picture(16, 16, 1), None);
    let mut peaks = Vec::new();
    for n in [1_000, 10_000] {
        let dir = tmp.path().join(format!("in{n}"));
        for i in 0..n {
            let sub = dir.join(format!("d{:03}", i / 1000));
            if i % 1000 == 0 {
                std::fs::create_dir_all(&sub).unwrap();
            }
            std::os::unix::fs::symlink(&base, sub.join(format!("p{i:05}.jpg"))).unwrap();
        }
        let (code, peak) = peak_rss_kib(
            &[
                "convert",
                &format!("in{n}"),
                "-o",
                &format!("out{n}"),
                "-q",
                "--report",
                &format!("r{n}.json"),
                "--trace",
                &format!("t{n}.json"),
            ],
            tmp.path(),
        );
        assert_eq!(code, 0, "{n} photos");
        let report: serde_json::Value =
            serde_json::from_slice(&std::fs::read(tmp.path().join(format!("r{n}.json"))).unwrap())
                .unwrap();
        assert_eq!(report["outputs"].as_array().unwrap().len(), n);
        assert_eq!(report["inputs"].as_array().unwrap().len(), n);
        peaks.push(peak);
    }
    let growth = peaks[1] - peaks[0];
    assert!(
        growth < 6 * 1024,
        "peak RSS {} KiB for 1,000 photos, {} KiB for 10,000: {growth} KiB more",
        peaks[0],
        peaks[1]
    );
}

#[cfg(feature = "avif-read")]
#[test]
fn decoding_thousands_of_avifs_leaves_no_memory_behind() {
    // rav1d 1.1 leaves 48 bytes behind per picture it clears; those pinned the heap, which grew
    // by about 23 KB a photo after the first two thousand (131 MB at 4,000 photos, against 11 MB
    // at 200). fanlight frees them (ops::avif::free_empty_t35).
    let tmp = tempdir();
    let base =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/formats/avif-420.avif");
    let mut peaks = Vec::new();
    for n in [300, 5_000] {
        let dir = tmp.path().join(format!("in{n}"));
        std::fs::create_dir_all(&dir).unwrap();
        for i in 0..n {
            std::os::unix::fs::symlink(&base, dir.join(format!("p{i:05}.avif"))).unwrap();
        }
        let args = [
            "convert",
            &format!("in{n}"),
            "-o",
            &format!("out{n}"),
            "-q",
            "--format",
            "png",
        ];
        let (code, peak) = peak_rss_kib(&args, tmp.path());
        assert_eq!(code, 0, "{n} photos");
        peaks.push(peak);
    }
    let growth = peaks[1] - peaks[0];
    assert!(
        growth < 6 * 1024,
        "peak RSS {} KiB for 300 AVIFs, {} KiB for 5,000: {growth} KiB more",
        peaks[0],
        peaks[1]
    );
}
