//! The result record: reading a record's inputs back, and naming the first field where two
//! records differ.

use crate::{Input, Refusal, refuse};
use serde_json::Value;

/// Fields `draw run` computes; removed from a record to get back its inputs (`revealed` and
/// `nonce_hex` of a commit are inputs).
pub const DERIVED_FIELDS: &[&str] = &[
    "pool_hash",
    "k",
    "inspector_hash",
    "beacon_spec",
    "beacon_hex",
    "seed",
    "inspectors",
    "announcement",
];

/// The inputs a record was made from.
pub fn input_of(record: &Value) -> Result<Input, Refusal> {
    let mut v = record.clone();
    let Some(obj) = v.as_object_mut() else {
        return Err(refuse("draw.not_an_object", "", "a JSON object"));
    };
    for f in DERIVED_FIELDS {
        obj.remove(*f);
    }
    for list in ["strata", "inspector_groups"] {
        if let Some(Value::Array(items)) = obj.get_mut(list) {
            for item in items.iter_mut().filter_map(Value::as_object_mut) {
                item.remove("pool_hash");
                item.remove("selected");
            }
        }
    }
    serde_path_to_error::deserialize(v).map_err(|e| {
        refuse(
            "draw.bad_input",
            e.path().to_string(),
            e.inner().to_string(),
        )
    })
}

/// The first difference between a record and the one computed from its inputs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    pub path: String,
    pub record: String,
    pub computed: String,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "mismatch at {}: record {}, computed {}",
            self.path, self.record, self.computed
        )
    }
}

fn show(v: Option<&Value>) -> String {
    match v {
        None => "(absent)".into(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn walk(path: &str, a: Option<&Value>, b: Option<&Value>) -> Option<Mismatch> {
    let join = |k: &str| {
        if path.is_empty() {
            k.to_owned()
        } else {
            format!("{path}.{k}")
        }
    };
    match (a, b) {
        (Some(Value::Object(x)), Some(Value::Object(y))) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter()
                .find_map(|k| walk(&join(k), x.get(k), y.get(k)))
        }
        (Some(Value::Array(x)), Some(Value::Array(y))) => (0..x.len().max(y.len()))
            .find_map(|i| walk(&format!("{path}[{i}]"), x.get(i), y.get(i))),
        (x, y) if x == y => None,
        (x, y) => Some(Mismatch {
            path: if path.is_empty() {
                "$".into()
            } else {
                path.into()
            },
            record: show(x),
            computed: show(y),
        }),
    }
}

/// `None` when equal; otherwise the first differing field path (keys in sorted order).
pub fn compare(record: &Value, computed: &Value) -> Option<Mismatch> {
    walk("", Some(record), Some(computed))
}
