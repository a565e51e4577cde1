#![no_main]
//! libFuzzer target: the `url` check of migrate-fuzz on raw bytes.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    migrate_fuzz::targets::check_bytes("url", data);
});
