#![no_main]
//! libFuzzer target: the `script` check of migrate-fuzz on raw bytes.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    migrate_fuzz::targets::check_bytes("script", data);
});
