//! A Rails-structured form body (`user[full_name]=Ada&user[external_reference][locked]=true`)
//! as the JSON tree it stands for, every value a string: the validator then checks one shape
//! for both encodings.

use serde_json::{Map, Value};

/// Keys outside `user[…]`, or nested deeper than the body can be, are ignored; a key given
/// twice keeps its last value, as Rack does.
pub fn tree(body: &[u8]) -> Value {
    let mut root = Map::new();
    for (key, value) in url::form_urlencoded::parse(body) {
        let Some(path) = path_of(&key) else { continue };
        insert(&mut root, &path, Value::String(value.into_owned()));
    }
    Value::Object(root)
}

/// `user[a][b]` → `["user", "a", "b"]`; `None` for anything else (`user[]`, `user[a`, `x`).
fn path_of(key: &str) -> Option<Vec<&str>> {
    let (head, mut rest) = key.split_once('[')?;
    let mut path = vec![head];
    loop {
        let (name, after) = rest.split_once(']')?;
        if name.is_empty() || name.contains('[') {
            return None;
        }
        path.push(name);
        if after.is_empty() {
            return Some(path);
        }
        rest = after.strip_prefix('[')?;
    }
}

fn insert(map: &mut Map<String, Value>, path: &[&str], value: Value) {
    match path {
        [] => {}
        [last] => {
            map.insert((*last).to_owned(), value);
        }
        [first, rest @ ..] => {
            let entry = map
                .entry((*first).to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            if let Value::Object(inner) = entry {
                insert(inner, rest, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn rails_keys_become_nested_objects() {
        let body = b"user[full_name]=Ada+L&user[external_reference][service_name]=crm\
                     &user[external_reference][locked]=1&other=x&user[]=y&user[a=z\
                     &user[full_name]=Ada%20Lovelace";
        assert_eq!(
            tree(body),
            json!({"user": {
                "full_name": "Ada Lovelace",
                "external_reference": {"service_name": "crm", "locked": "1"}
            }})
        );
    }

    #[test]
    fn an_empty_body_has_no_user() {
        assert_eq!(tree(b""), json!({}));
    }
}
