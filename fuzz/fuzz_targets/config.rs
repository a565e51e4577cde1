#![no_main]
//! libFuzzer target: the `config` check of migrate-fuzz on raw bytes.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    migrate_fuzz::targets::check_bytes("config", data);
});
