//! Tag changes between two maps, shared by every resource that tags in place.

use std::collections::BTreeMap;

/// What an in-place tag update must send: keys to remove (with their old
/// values, for APIs that take whole tags) and keys to add or overwrite.
#[derive(Debug, Default, PartialEq)]
pub struct TagChanges {
    pub removed: BTreeMap<String, String>,
    pub changed: BTreeMap<String, String>,
}

impl TagChanges {
    pub fn between(old: &BTreeMap<String, String>, new: &BTreeMap<String, String>) -> Self {
        let pick = |from: &BTreeMap<String, String>, keep: &dyn Fn(&String, &String) -> bool| {
            from.iter()
                .filter(|(k, v)| keep(k, v))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        };
        TagChanges {
            removed: pick(old, &|k, _| !new.contains_key(k)),
            changed: pick(new, &|k, v| old.get(k) != Some(v)),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.removed.is_empty() && self.changed.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn removed_changed_and_untouched_keys() {
        let changes = TagChanges::between(
            &map(&[("a", "1"), ("b", "2"), ("c", "3")]),
            &map(&[("b", "2"), ("c", "4"), ("d", "5")]),
        );
        assert_eq!(changes.removed, map(&[("a", "1")]));
        assert_eq!(changes.changed, map(&[("c", "4"), ("d", "5")]));
        assert!(TagChanges::between(&map(&[("a", "1")]), &map(&[("a", "1")])).is_empty());
    }
}
