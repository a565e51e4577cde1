//! The journal's encoding of operations (the inverse recorded when an upgrade runs, read back
//! to derive its downgrade).
//!
//! Records are `{"format": 2, "operations": [...]}`. The first format was a bare JSON array
//! that wrote both "leave the default" and "drop the default" of `alter_column` as
//! `"default": null`; such a record is still read unless it holds that ambiguity, in which
//! case it is refused and the downgrade is derived from the repository instead.

use serde::{Deserialize, Serialize};

use super::Operation;

/// The encoding written now.
const FORMAT: u32 = 2;

#[derive(Serialize)]
struct Record<'a> {
    format: u32,
    operations: &'a [Operation],
}

#[derive(Deserialize)]
struct OwnedRecord {
    format: u32,
    operations: Vec<Operation>,
}

/// Why a journal record cannot be read back.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// Not JSON of a known shape.
    #[error("the journal's record of the inverse does not parse: {0}")]
    Json(#[from] serde_json::Error),
    /// Written by a later migrate.
    #[error("the journal's record of the inverse is in format {0}, newer than this migrate reads")]
    Format(u32),
    /// A first-format record that cannot say whether a default is dropped or left alone.
    #[error(
        "the journal's record of the inverse predates format 2 and cannot tell a dropped default from an unchanged one"
    )]
    Ambiguous,
}

/// `operations` as the journal stores them.
pub fn encode(operations: &[Operation]) -> String {
    let record = Record {
        format: FORMAT,
        operations,
    };
    // Operations hold strings, maps and enums only: serialising them cannot fail.
    serde_json::to_string(&record).unwrap_or_default()
}

/// The operations of a journal record.
///
/// # Errors
/// [`DecodeError`] for a record that is not one, one from a later migrate, or an ambiguous
/// first-format record.
pub fn decode(json: &str) -> Result<Vec<Operation>, DecodeError> {
    if json.trim_start().starts_with('[') {
        let operations: Vec<Operation> = serde_json::from_str(json)?;
        let ambiguous = operations.iter().any(|op| {
            matches!(op, Operation::AlterColumn { change, .. } if change.default == Some(None))
        });
        return if ambiguous {
            Err(DecodeError::Ambiguous)
        } else {
            Ok(operations)
        };
    }
    let record: OwnedRecord = serde_json::from_str(json)?;
    if record.format != FORMAT {
        return Err(DecodeError::Format(record.format));
    }
    Ok(record.operations)
}

/// Serde for `Option<Option<T>>` that keeps the two levels apart: an absent field is `None`,
/// `null` is `Some(None)`, a value is `Some(Some(v))`. Use with `#[serde(default,
/// skip_serializing_if = "Option::is_none", with = "double_option")]`.
pub(crate) mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(crate) fn serialize<T: Serialize, S: Serializer>(
        value: &Option<Option<T>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            // Skipped by `skip_serializing_if`; written as null only if a caller forgets it.
            None => serializer.serialize_none(),
            Some(inner) => inner.serialize(serializer),
        }
    }

    pub(crate) fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(deserializer).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::change::ColumnChange;
    use crate::schema::DefaultValue;

    fn alter(default: Option<Option<DefaultValue>>) -> Operation {
        Operation::AlterColumn {
            table: "t".into(),
            column: "c".into(),
            change: ColumnChange {
                default,
                ..ColumnChange::default()
            },
        }
    }

    #[test]
    fn dropping_leaving_and_setting_a_default_stay_apart() {
        let ops = vec![
            alter(None),
            alter(Some(None)),
            alter(Some(Some(DefaultValue::Number("7".into())))),
        ];
        assert_eq!(decode(&encode(&ops)).unwrap(), ops);
    }

    #[test]
    fn first_format_records_are_read_unless_ambiguous() {
        let plain = r#"[{"drop_table":{"name":"t"}}]"#;
        assert_eq!(
            decode(plain).unwrap(),
            vec![Operation::DropTable { name: "t".into() }]
        );
        let old = r#"[{"alter_column":{"table":"t","column":"c","change":{"name":null,"ty":null,"nullable":null,"default":null,"autoincrement":null}}}]"#;
        assert!(matches!(decode(old), Err(DecodeError::Ambiguous)));
        assert!(matches!(
            decode(r#"{"format":3,"operations":[]}"#),
            Err(DecodeError::Format(3))
        ));
    }
}
