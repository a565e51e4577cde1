//! Any PostgreSQL value read as text: the driver reads results in the binary protocol, and a
//! value of a type with no Rust counterpart here (`numeric`, `date`, `timestamp`, `float8`…)
//! must not come back as NULL. Each is decoded from its binary form into the text PostgreSQL
//! itself would print; a type not known here is an error naming it, never a silent NULL.

use std::error::Error;

use postgres::types::{FromSql, Type};
use time::{Duration, PrimitiveDateTime, Time, macros::datetime};

type Failure = Box<dyn Error + Sync + Send>;

/// A value as text.
pub(crate) struct PgText(pub String);

fn be<const N: usize>(raw: &[u8], at: usize) -> Result<[u8; N], Failure> {
    raw.get(at..at + N)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| "truncated value".into())
}

/// `numeric`: digits in base 10 000, a weight, a sign and a display scale.
fn numeric(raw: &[u8]) -> Result<String, Failure> {
    let ndigits = i16::from_be_bytes(be(raw, 0)?).max(0) as usize;
    let weight = i16::from_be_bytes(be(raw, 2)?) as i64;
    let sign = u16::from_be_bytes(be(raw, 4)?);
    let dscale = u16::from_be_bytes(be(raw, 6)?) as usize;
    if sign == 0xC000 {
        return Ok("NaN".into());
    }
    let digits: Vec<i64> = (0..ndigits)
        .map(|i| be::<2>(raw, 8 + 2 * i).map(|b| i64::from(i16::from_be_bytes(b))))
        .collect::<Result<_, _>>()?;
    let digit = |pos: i64| -> i64 {
        usize::try_from(pos)
            .ok()
            .and_then(|p| digits.get(p))
            .copied()
            .unwrap_or(0)
    };
    let mut int = String::new();
    for w in 0..=weight.max(0) {
        let d = if weight < 0 { 0 } else { digit(w) };
        if int.is_empty() {
            int.push_str(&d.to_string());
        } else {
            int.push_str(&format!("{d:04}"));
        }
    }
    let mut frac = String::new();
    let mut pos = weight + 1;
    while frac.len() < dscale {
        frac.push_str(&format!("{:04}", digit(pos)));
        pos += 1;
    }
    frac.truncate(dscale);
    let minus = if sign == 0x4000 { "-" } else { "" };
    Ok(if dscale == 0 {
        format!("{minus}{int}")
    } else {
        format!("{minus}{int}.{frac}")
    })
}

const EPOCH: PrimitiveDateTime = datetime!(2000-01-01 0:00);

fn timestamp(raw: &[u8]) -> Result<String, Failure> {
    let micros = i64::from_be_bytes(be(raw, 0)?);
    let t = EPOCH
        .checked_add(Duration::microseconds(micros))
        .ok_or("timestamp out of range")?;
    Ok(format!("{} {}", t.date(), clock(t.time())))
}

fn clock(t: Time) -> String {
    let base = format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second());
    match t.microsecond() {
        0 => base,
        us => format!("{base}.{us:06}").trim_end_matches('0').to_string(),
    }
}

fn hex(raw: &[u8]) -> String {
    raw.iter().map(|b| format!("{b:02x}")).collect()
}

impl<'a> FromSql<'a> for PgText {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<PgText, Failure> {
        let text = match *ty {
            Type::FLOAT4 => f32::from_be_bytes(be(raw, 0)?).to_string(),
            Type::FLOAT8 => f64::from_be_bytes(be(raw, 0)?).to_string(),
            Type::NUMERIC => numeric(raw)?,
            Type::DATE => {
                let days = i32::from_be_bytes(be(raw, 0)?);
                let d = EPOCH
                    .date()
                    .checked_add(Duration::days(days.into()))
                    .ok_or("date out of range")?;
                d.to_string()
            }
            Type::TIMESTAMP => timestamp(raw)?,
            Type::TIMESTAMPTZ => format!("{}+00:00", timestamp(raw)?),
            Type::TIME => {
                let micros = i64::from_be_bytes(be(raw, 0)?);
                clock(Time::MIDNIGHT + Duration::microseconds(micros))
            }
            Type::UUID => {
                let h = hex(raw);
                format!(
                    "{}-{}-{}-{}-{}",
                    &h[..8],
                    &h[8..12],
                    &h[12..16],
                    &h[16..20],
                    &h[20..]
                )
            }
            Type::BYTEA => format!("\\x{}", hex(raw)),
            Type::JSONB => String::from_utf8(raw.get(1..).unwrap_or_default().to_vec())?,
            Type::TEXT
            | Type::VARCHAR
            | Type::BPCHAR
            | Type::NAME
            | Type::JSON
            | Type::XML
            | Type::UNKNOWN
            | Type::CHAR => String::from_utf8(raw.to_vec())?,
            _ => return Err(format!("migrate cannot read a value of PostgreSQL type {ty}").into()),
        };
        Ok(PgText(text))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::numeric;

    fn encode(ndigits: i16, weight: i16, sign: u16, dscale: u16, digits: &[i16]) -> Vec<u8> {
        let mut v = Vec::new();
        for x in [
            ndigits.to_be_bytes(),
            weight.to_be_bytes(),
            sign.to_be_bytes(),
            dscale.to_be_bytes(),
        ] {
            v.extend(x);
        }
        for d in digits {
            v.extend(d.to_be_bytes());
        }
        v
    }

    #[test]
    fn numerics_read_as_postgres_prints_them() {
        assert_eq!(numeric(&encode(2, 0, 0, 2, &[12, 5000])).unwrap(), "12.50");
        assert_eq!(
            numeric(&encode(2, 1, 0x4000, 0, &[1, 2])).unwrap(),
            "-10002"
        );
        assert_eq!(numeric(&encode(1, -1, 0, 4, &[5])).unwrap(), "0.0005");
        assert_eq!(numeric(&encode(0, 0, 0, 2, &[])).unwrap(), "0.00");
    }
}
