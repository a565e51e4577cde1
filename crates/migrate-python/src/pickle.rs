//! `pickle.dumps(value, 5)` byte for byte as CPython's C pickler writes it, for the values a
//! migration stores in a `PickleType` column (SQLAlchemy pickles with the highest protocol,
//! 5 on the Python 3.8+ that OpenStack ran last): `None`, booleans, integers, floats, strings,
//! bytes, and lists, tuples and dicts of them. The same bytes, so that a row written here
//! reads back in the application exactly as one the Python tool wrote.

use std::collections::HashMap;

use crate::error::Exc;
use crate::value::Value;

const PROTO: u8 = 0x80;
const FRAME: u8 = 0x95;
const STOP: u8 = b'.';
const NONE: u8 = b'N';
const NEWTRUE: u8 = 0x88;
const NEWFALSE: u8 = 0x89;
const BININT: u8 = b'J';
const BININT1: u8 = b'K';
const BININT2: u8 = b'M';
const LONG1: u8 = 0x8a;
const BINFLOAT: u8 = b'G';
const SHORT_BINUNICODE: u8 = 0x8c;
const BINUNICODE: u8 = b'X';
const SHORT_BINBYTES: u8 = b'C';
const BINBYTES: u8 = b'B';
const MEMOIZE: u8 = 0x94;
const BINGET: u8 = b'h';
const LONG_BINGET: u8 = b'j';
const EMPTY_TUPLE: u8 = b')';
const TUPLE: u8 = b't';
const TUPLE1: u8 = 0x85;
const EMPTY_LIST: u8 = b']';
const APPEND: u8 = b'a';
const APPENDS: u8 = b'e';
const EMPTY_DICT: u8 = b'}';
const SETITEM: u8 = b's';
const SETITEMS: u8 = b'u';
const MARK: u8 = b'(';

/// Items per `APPENDS`/`SETITEMS`, as CPython batches them.
const BATCH: usize = 1000;
/// CPython frames a payload of at least this many bytes.
const FRAME_MIN: usize = 4;
/// CPython starts a new frame past this size; one frame is all this writer makes.
const FRAME_TARGET: usize = 64 * 1024;

/// The pickle of `value`.
///
/// # Errors
/// A value of a type this writer does not know (a date, an object), or a pickle of 64 KiB or
/// more (CPython splits those into frames this writer does not make).
pub fn dumps(value: &Value) -> Result<Vec<u8>, Exc> {
    let mut p = Pickler::default();
    p.save(value, 0)?;
    p.out.push(STOP);
    if p.out.len() >= FRAME_TARGET {
        return Err(Exc::unsupported("PickleType values of 64 KiB or more"));
    }
    let mut pickle = vec![PROTO, 5];
    if p.out.len() >= FRAME_MIN {
        pickle.push(FRAME);
        pickle.extend_from_slice(&(p.out.len() as u64).to_le_bytes());
    }
    pickle.extend_from_slice(&p.out);
    Ok(pickle)
}

/// What the memo is keyed by: a container's identity, or a string's text (equal string
/// constants are one object in CPython, so its pickle refers back to the first).
#[derive(Hash, PartialEq, Eq)]
enum Key {
    Identity(usize),
    Str(String),
    Bytes(Vec<u8>),
}

#[derive(Default)]
struct Pickler {
    out: Vec<u8>,
    memo: HashMap<Key, u32>,
}

impl Pickler {
    fn save(&mut self, v: &Value, depth: usize) -> Result<(), Exc> {
        if depth > 200 {
            return Err(Exc::new(
                "RecursionError",
                "maximum recursion depth exceeded while pickling an object",
            ));
        }
        if let Some(key) = key(v)
            && let Some(&i) = self.memo.get(&key)
        {
            self.get(i);
            return Ok(());
        }
        match v {
            Value::None => self.out.push(NONE),
            Value::Bool(b) => self.out.push(if *b { NEWTRUE } else { NEWFALSE }),
            Value::Int(i) => self.int(*i),
            Value::Float(f) => {
                self.out.push(BINFLOAT);
                self.out.extend_from_slice(&f.to_be_bytes());
            }
            Value::Str(s) => {
                self.sized(s.as_bytes(), SHORT_BINUNICODE, BINUNICODE);
                self.memoize(v);
            }
            Value::Bytes(b) => {
                self.sized(b, SHORT_BINBYTES, BINBYTES);
                self.memoize(v);
            }
            Value::Tuple(items) => self.tuple(v, items, depth)?,
            Value::List(items) => {
                self.out.push(EMPTY_LIST);
                self.memoize(v);
                let items = items.borrow().clone();
                self.batch(&items, APPEND, APPENDS, depth, |p, item, d| p.save(item, d))?;
            }
            Value::Dict(items) => {
                self.out.push(EMPTY_DICT);
                self.memoize(v);
                let items = items.borrow().clone();
                self.batch(&items, SETITEM, SETITEMS, depth, |p, (k, val), d| {
                    p.save(k, d)?;
                    p.save(val, d)
                })?;
            }
            other => {
                return Err(Exc::unsupported(format!(
                    "pickling a '{}' (PickleType values here are None, bool, int, float, str, \
                     bytes, list, tuple and dict)",
                    other.type_name()
                )));
            }
        }
        Ok(())
    }

    fn int(&mut self, i: i64) {
        if (0..=0xff).contains(&i) {
            self.out.extend_from_slice(&[BININT1, i as u8]);
        } else if (0..=0xffff).contains(&i) {
            self.out.push(BININT2);
            self.out.extend_from_slice(&(i as u16).to_le_bytes());
        } else if let Ok(small) = i32::try_from(i) {
            self.out.push(BININT);
            self.out.extend_from_slice(&small.to_le_bytes());
        } else {
            // LONG1: the shortest little-endian two's complement, as pickle.encode_long.
            let mut bytes = i.to_le_bytes().to_vec();
            while bytes.len() > 1 {
                let last = bytes[bytes.len() - 1];
                let before = bytes[bytes.len() - 2];
                let redundant =
                    (last == 0 && before & 0x80 == 0) || (last == 0xff && before & 0x80 != 0);
                if !redundant {
                    break;
                }
                bytes.pop();
            }
            self.out.extend_from_slice(&[LONG1, bytes.len() as u8]);
            self.out.extend_from_slice(&bytes);
        }
    }

    fn sized(&mut self, data: &[u8], short: u8, long: u8) {
        if data.len() < 256 {
            self.out.extend_from_slice(&[short, data.len() as u8]);
        } else {
            self.out.push(long);
            self.out
                .extend_from_slice(&(data.len() as u32).to_le_bytes());
        }
        self.out.extend_from_slice(data);
    }

    fn tuple(&mut self, v: &Value, items: &[Value], depth: usize) -> Result<(), Exc> {
        if items.is_empty() {
            self.out.push(EMPTY_TUPLE);
            return Ok(());
        }
        if items.len() > 3 {
            self.out.push(MARK);
        }
        for item in items {
            self.save(item, depth + 1)?;
        }
        self.out.push(match items.len() {
            n @ 1..=3 => TUPLE1 + (n as u8 - 1),
            _ => TUPLE,
        });
        self.memoize(v);
        Ok(())
    }

    fn batch<T>(
        &mut self,
        items: &[T],
        one: u8,
        many: u8,
        depth: usize,
        mut save: impl FnMut(&mut Self, &T, usize) -> Result<(), Exc>,
    ) -> Result<(), Exc> {
        if let [only] = items {
            save(self, only, depth + 1)?;
            self.out.push(one);
            return Ok(());
        }
        for chunk in items.chunks(BATCH) {
            self.out.push(MARK);
            for item in chunk {
                save(self, item, depth + 1)?;
            }
            self.out.push(many);
        }
        Ok(())
    }

    fn memoize(&mut self, v: &Value) {
        if let Some(k) = key(v) {
            let next = self.memo.len() as u32;
            self.memo.insert(k, next);
            self.out.push(MEMOIZE);
        }
    }

    fn get(&mut self, i: u32) {
        match u8::try_from(i) {
            Ok(small) => self.out.extend_from_slice(&[BINGET, small]),
            Err(_) => {
                self.out.push(LONG_BINGET);
                self.out.extend_from_slice(&i.to_le_bytes());
            }
        }
    }
}

fn key(v: &Value) -> Option<Key> {
    Some(match v {
        Value::Str(s) => Key::Str(s.to_string()),
        Value::Bytes(b) => Key::Bytes(b.to_vec()),
        Value::List(l) => Key::Identity(std::rc::Rc::as_ptr(l) as *const u8 as usize),
        Value::Dict(d) => Key::Identity(std::rc::Rc::as_ptr(d) as *const u8 as usize),
        Value::Tuple(t) if !t.is_empty() => {
            Key::Identity(std::rc::Rc::as_ptr(t) as *const u8 as usize)
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dict(items: Vec<(&str, Value)>) -> Value {
        Value::Dict(std::rc::Rc::new(std::cell::RefCell::new(
            items.into_iter().map(|(k, v)| (Value::str(k), v)).collect(),
        )))
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|c| format!("{c:02x}")).collect()
    }

    fn list(items: Vec<Value>) -> Value {
        Value::list(items)
    }

    // Each expected value is what CPython 3.11 printed for `pickle.dumps(x, 5).hex()`.
    #[test]
    fn pickles_as_cpython_does() {
        let cases: Vec<(Value, &str)> = vec![
            (
                dict(vec![
                    ("arch", Value::str("x86_64")),
                    ("cores", Value::Int(8)),
                ]),
                "8005951f000000000000007d94288c0461726368948c067838365f3634948c05636f726573944b08752e",
            ),
            (Value::None, "80054e2e"),
            (
                dict(vec![("a", list(vec![Value::Int(-1), Value::Int(70000)]))]),
                "80059516000000000000007d948c0161945d94284affffffff4a7011010065732e",
            ),
            (
                dict(vec![("x", Value::str("v")), ("y", Value::str("v"))]),
                "80059513000000000000007d94288c0178948c0176948c0179946802752e",
            ),
            (
                Value::Int(1 << 40),
                "80059509000000000000008a060000000000012e",
            ),
            (
                Value::Int(-(1 << 40)),
                "80059509000000000000008a060000000000ff2e",
            ),
            (
                Value::Tuple(std::rc::Rc::new(vec![
                    Value::Int(1),
                    Value::str("a"),
                    Value::Float(2.5),
                    Value::Bool(true),
                    Value::None,
                    Value::Bytes(vec![0u8, 0xff].into()),
                ])),
                "8005951a00000000000000284b018c016194474004000000000000884e430200ff9474942e",
            ),
        ];
        for (value, expected) in cases {
            assert_eq!(hex(&dumps(&value).unwrap()), expected, "{value}");
        }
        let long = "\u{e9}".repeat(200);
        let mixed = list(vec![
            list(vec![]),
            Value::Tuple(std::rc::Rc::new(vec![])),
            dict(vec![]),
            Value::str(long.as_str()),
            Value::Int(300),
            Value::Int(-129),
        ]);
        let expected = format!(
            "800595a8010000000000005d94285d94297d9458900100{}944d2c014a7fffffff652e",
            "00".to_string() + &"c3a9".repeat(200)
        );
        assert_eq!(hex(&dumps(&mixed).unwrap()), expected);
    }
}
