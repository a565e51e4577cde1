//! `datetime`: `datetime`, `date`, `time` and `timedelta`, with the arithmetic and comparisons
//! data migrations use, and the text the database is given (SQLAlchemy's SQLite format, which
//! the servers accept too).

use std::any::Any;
use std::rc::Rc;

use crate::builtins::Builtin;
use crate::error::Exc;
use crate::eval::Interp;
use crate::value::{Args, Native, Value};

const DAY: i64 = 86_400_000_000;

/// What a moment value is.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `datetime.datetime`.
    DateTime,
    /// `datetime.date`.
    Date,
    /// `datetime.time` (micros since midnight).
    Time,
}

/// A `datetime`, `date` or `time`, as microseconds since 1970-01-01 (or since midnight).
pub struct Moment {
    micros: i64,
    kind: Kind,
}

/// A `timedelta`, in microseconds.
pub struct TimeDelta(i64);

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

impl Moment {
    /// `[year, month, day, hour, minute, second, microsecond]`.
    fn parts(&self) -> [i64; 7] {
        let days = self.micros.div_euclid(DAY);
        let rest = self.micros.rem_euclid(DAY);
        let (y, m, d) = civil_from_days(days);
        let secs = rest / 1_000_000;
        [
            y,
            m,
            d,
            secs / 3600,
            secs % 3600 / 60,
            secs % 60,
            rest % 1_000_000,
        ]
    }

    /// The text the database is given.
    pub fn sql_text(&self) -> String {
        let [y, mo, d, h, mi, s, us] = self.parts();
        match self.kind {
            Kind::Date => format!("{y:04}-{mo:02}-{d:02}"),
            Kind::Time => format!("{h:02}:{mi:02}:{s:02}.{us:06}"),
            Kind::DateTime => format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{us:06}"),
        }
    }

    fn python_text(&self) -> String {
        let text = self.sql_text();
        match text.strip_suffix(".000000") {
            Some(t) => t.to_string(),
            None => text,
        }
    }
}

fn other_micros(v: &Value, kind: Kind) -> Option<i64> {
    v.downcast::<Moment>()
        .filter(|m| m.kind == kind)
        .map(|m| m.micros)
}

impl Native for Moment {
    fn type_name(&self) -> &str {
        match self.kind {
            Kind::DateTime => "datetime",
            Kind::Date => "date",
            Kind::Time => "time",
        }
    }
    fn attr(&self, name: &str, _: &mut Interp<'_, '_>) -> Result<Option<Value>, Exc> {
        let i = [
            "year",
            "month",
            "day",
            "hour",
            "minute",
            "second",
            "microsecond",
        ]
        .iter()
        .position(|n| *n == name);
        Ok(i.map(|i| Value::Int(self.parts()[i])))
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(
            name,
            "isoformat"
                | "__str__"
                | "__add__"
                | "__sub__"
                | "__lt__"
                | "__le__"
                | "__gt__"
                | "__ge__"
                | "__eq__"
                | "__ne__"
                | "date"
        )
    }
    fn call_method(
        &self,
        _: &Rc<dyn Native>,
        name: &str,
        args: Args,
        _: &mut Interp<'_, '_>,
    ) -> Result<Value, Exc> {
        let other = args.pos.first().cloned().unwrap_or_default();
        let delta = other.downcast::<TimeDelta>().map(|d| d.0);
        let moment = |micros| {
            Value::native(Moment {
                micros,
                kind: self.kind,
            })
        };
        match name {
            "isoformat" => Ok(Value::str(self.python_text().replacen(' ', "T", 1))),
            "__str__" => Ok(Value::str(self.python_text())),
            "date" => Ok(Value::native(Moment {
                micros: self.micros.div_euclid(DAY) * DAY,
                kind: Kind::Date,
            })),
            "__add__" => delta
                .map(|d| moment(self.micros + d))
                .ok_or_else(|| Exc::type_error("datetime + timedelta only")),
            "__sub__" => match (delta, other_micros(&other, self.kind)) {
                (Some(d), _) => Ok(moment(self.micros - d)),
                (_, Some(m)) => Ok(Value::native(TimeDelta(self.micros - m))),
                _ => Err(Exc::type_error("datetime - timedelta or datetime only")),
            },
            cmp => {
                let Some(m) = other_micros(&other, self.kind) else {
                    return match cmp {
                        "__eq__" => Ok(Value::Bool(false)),
                        "__ne__" => Ok(Value::Bool(true)),
                        _ => Err(Exc::type_error(format!(
                            "cannot compare {} with {}",
                            self.type_name(),
                            other.type_name()
                        ))),
                    };
                };
                Ok(Value::Bool(match cmp {
                    "__lt__" => self.micros < m,
                    "__le__" => self.micros <= m,
                    "__gt__" => self.micros > m,
                    "__ge__" => self.micros >= m,
                    "__eq__" => self.micros == m,
                    _ => self.micros != m,
                }))
            }
        }
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Native for TimeDelta {
    fn type_name(&self) -> &str {
        "timedelta"
    }
    fn attr(&self, name: &str, _: &mut Interp<'_, '_>) -> Result<Option<Value>, Exc> {
        Ok(match name {
            "days" => Some(Value::Int(self.0.div_euclid(DAY))),
            "seconds" => Some(Value::Int(self.0.rem_euclid(DAY) / 1_000_000)),
            _ => None,
        })
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(name, "total_seconds" | "__add__" | "__radd__")
    }
    fn call_method(
        &self,
        _: &Rc<dyn Native>,
        name: &str,
        args: Args,
        interp: &mut Interp<'_, '_>,
    ) -> Result<Value, Exc> {
        match name {
            "total_seconds" => Ok(Value::Float(self.0 as f64 / 1e6)),
            _ => {
                let other = args.pos.first().cloned().unwrap_or_default();
                if let Some(d) = other.downcast::<TimeDelta>() {
                    return Ok(Value::native(TimeDelta(self.0 + d.0)));
                }
                // timedelta + datetime: the datetime's addition.
                let me = Value::native(TimeDelta(self.0));
                interp.call_method(&other, "__add__", Args::positional(vec![me]))
            }
        }
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn int_args(a: &Args, names: &[&str], defaults: &[i64]) -> Result<Vec<i64>, Exc> {
    names
        .iter()
        .enumerate()
        .map(|(i, n)| match a.get(i, n) {
            Some(v) => v
                .as_int()
                .ok_or_else(|| Exc::type_error(format!("{n} must be an integer"))),
            None => Ok(defaults[i]),
        })
        .collect()
}

fn new_datetime(a: Args, _: &mut Interp<'_, '_>) -> Result<Value, Exc> {
    let p = int_args(
        &a,
        &[
            "year",
            "month",
            "day",
            "hour",
            "minute",
            "second",
            "microsecond",
        ],
        &[1970, 1, 1, 0, 0, 0, 0],
    )?;
    let micros = days_from_civil(p[0], p[1], p[2]) * DAY
        + ((p[3] * 60 + p[4]) * 60 + p[5]) * 1_000_000
        + p[6];
    Ok(Value::native(Moment {
        micros,
        kind: Kind::DateTime,
    }))
}

fn new_date(a: Args, _: &mut Interp<'_, '_>) -> Result<Value, Exc> {
    let p = int_args(&a, &["year", "month", "day"], &[1970, 1, 1])?;
    Ok(Value::native(Moment {
        micros: days_from_civil(p[0], p[1], p[2]) * DAY,
        kind: Kind::Date,
    }))
}

fn new_time(a: Args, _: &mut Interp<'_, '_>) -> Result<Value, Exc> {
    let p = int_args(
        &a,
        &["hour", "minute", "second", "microsecond"],
        &[0, 0, 0, 0],
    )?;
    Ok(Value::native(Moment {
        micros: ((p[0] * 60 + p[1]) * 60 + p[2]) * 1_000_000 + p[3],
        kind: Kind::Time,
    }))
}

fn new_timedelta(a: Args, _: &mut Interp<'_, '_>) -> Result<Value, Exc> {
    let unit = |n: &str| -> Result<f64, Exc> {
        Ok(a.kw(n)
            .map(|v| {
                v.as_float()
                    .ok_or_else(|| Exc::type_error("timedelta takes numbers"))
            })
            .transpose()?
            .unwrap_or(0.0))
    };
    let days = a
        .pos
        .first()
        .and_then(Value::as_float)
        .unwrap_or(unit("days")?);
    let seconds = a
        .pos
        .get(1)
        .and_then(Value::as_float)
        .unwrap_or(unit("seconds")?);
    let total = days * 86_400.0
        + seconds
        + unit("minutes")? * 60.0
        + unit("hours")? * 3600.0
        + unit("weeks")? * 604_800.0;
    Ok(Value::native(TimeDelta(
        (total * 1e6).round() as i64 + unit("microseconds")? as i64,
    )))
}

fn now(_: Args, _: &mut Interp<'_, '_>) -> Result<Value, Exc> {
    let micros = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0);
    Ok(Value::native(Moment {
        micros,
        kind: Kind::DateTime,
    }))
}

/// `datetime.datetime`: callable, with `utcnow()` and `now()`.
struct DateTimeClass;

impl Native for DateTimeClass {
    fn type_name(&self) -> &str {
        "type:datetime"
    }
    fn call(
        &self,
        _: &Rc<dyn Native>,
        args: Args,
        interp: &mut Interp<'_, '_>,
    ) -> Result<Value, Exc> {
        new_datetime(args, interp)
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(name, "utcnow" | "now")
    }
    fn call_method(
        &self,
        _: &Rc<dyn Native>,
        _: &str,
        args: Args,
        interp: &mut Interp<'_, '_>,
    ) -> Result<Value, Exc> {
        now(args, interp)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The `datetime` module's names.
pub fn module_items() -> Vec<(&'static str, Value)> {
    vec![
        ("datetime", Value::native(DateTimeClass)),
        ("date", Builtin::value("date", new_date)),
        ("time", Builtin::value("time", new_time)),
        ("timedelta", Builtin::value("timedelta", new_timedelta)),
    ]
}

/// A value the database returned for a `DateTime`, `Date` or `Time` column, as SQLAlchemy
/// returned it: a `datetime`, `date` or `time`.
pub fn parse(text: &str, ty: &migrate_core::schema::ColumnType) -> Option<Value> {
    use migrate_core::schema::ColumnType;
    let num = |s: &str| s.parse::<i64>().ok();
    let clock = |t: &str| -> Option<i64> {
        let (hms, frac) = t.split_once('.').unwrap_or((t, "0"));
        let mut it = hms.split(':');
        let (h, m, s) = (
            num(it.next()?)?,
            num(it.next()?)?,
            num(it.next().unwrap_or("0"))?,
        );
        let us = num(&format!("{frac:0<6}")[..6])?;
        Some(((h * 60 + m) * 60 + s) * 1_000_000 + us)
    };
    let date = |d: &str| -> Option<i64> {
        let mut it = d.split('-');
        Some(days_from_civil(num(it.next()?)?, num(it.next()?)?, num(it.next()?)?) * DAY)
    };
    let text = text.trim().trim_end_matches("+00:00");
    let (micros, kind) = match ty {
        ColumnType::Date => (date(text.get(..10)?)?, Kind::Date),
        ColumnType::Time => (clock(text)?, Kind::Time),
        _ => {
            let (d, t) = text.split_once([' ', 'T']).unwrap_or((text, "00:00:00"));
            (date(d)? + clock(t)?, Kind::DateTime)
        }
    };
    Some(Value::native(Moment { micros, kind }))
}
