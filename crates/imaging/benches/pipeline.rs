//! `process()` per file: the committed fixtures always, and every photo of the
//! shared corpus (`<workspace root>/../shared/corpus/photos`, or
//! `$PORTRAIT_CORPUS/photos`) when it is there.

use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use portrait_imaging::{probe, process, Limits, Options};

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    files
}

fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("PORTRAIT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    dir.is_dir().then_some(dir)
}

fn bench_files(c: &mut Criterion, group_name: &str, files: &[PathBuf]) {
    let options = Options::default();
    let mut group = c.benchmark_group(group_name);
    group.sample_size(10);
    for path in files {
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        // Only files the pipeline accepts say anything about its speed.
        if process(&bytes, &options).is_err() {
            continue;
        }
        let name = path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(name, |b| b.iter(|| process(&bytes, &options)));
    }
    group.finish();
}

fn pipeline(c: &mut Criterion) {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/images");
    bench_files(c, "fixtures", &files_in(&fixtures));
    match corpus_dir() {
        Some(dir) => bench_files(c, "corpus-photos", &files_in(&dir.join("photos"))),
        None => eprintln!("corpus not found; benchmarking the committed fixtures only"),
    }
    let bomb = fixtures.join("bomb-30000x30000.png");
    if let Ok(bytes) = std::fs::read(bomb) {
        c.bench_function("probe-png-bomb", |b| {
            b.iter(|| probe(&bytes, &Limits::default()))
        });
    }
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
