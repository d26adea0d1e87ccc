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

/// One tag map standing for several objects that should all carry `desired`:
/// a key missing or different on any object shows as missing or different,
/// a key added on any object shows as added. Planning `desired` against it
/// therefore repairs every object in one update.
pub fn observed<'a>(
    desired: &BTreeMap<String, String>,
    actual: impl IntoIterator<Item = &'a BTreeMap<String, String>>,
) -> BTreeMap<String, String> {
    let mut seen = desired.clone();
    let mut different = BTreeMap::new();
    for tags in actual {
        seen.retain(|k, _| tags.contains_key(k));
        for (k, v) in tags {
            if desired.get(k) != Some(v) {
                different.insert(k.clone(), v.clone());
            }
        }
    }
    seen.extend(different);
    seen
}

/// The tags that every one of several objects carries with the same value.
pub fn common<'a>(all: impl IntoIterator<Item = &'a BTreeMap<String, String>>) -> BTreeMap<String, String> {
    let mut all = all.into_iter();
    let mut shared = all.next().cloned().unwrap_or_default();
    for tags in all {
        shared.retain(|k, v| tags.get(k) == Some(v));
    }
    shared
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

    #[test]
    fn observed_repairs_every_object() {
        let desired = map(&[("team", "web"), ("env", "prod")]);
        let untouched = desired.clone();
        let lost_env = map(&[("team", "web")]);
        let extra_and_changed = map(&[("team", "ops"), ("env", "prod"), ("owner", "x")]);
        let seen = observed(&desired, [&untouched, &lost_env, &extra_and_changed]);
        assert_eq!(seen, map(&[("team", "ops"), ("owner", "x")]));
        let changes = TagChanges::between(&seen, &desired);
        assert_eq!(changes.changed, desired);
        assert_eq!(changes.removed, map(&[("owner", "x")]));
        assert_eq!(observed(&desired, [&untouched, &untouched]), desired);
        let reversed = observed(&desired, [&extra_and_changed, &lost_env, &untouched]);
        assert_eq!(reversed, seen, "the order of the objects does not matter");
    }

    #[test]
    fn common_tags_are_those_all_objects_share() {
        let a = map(&[("team", "web"), ("env", "prod"), ("owner", "x")]);
        let b = map(&[("team", "web"), ("env", "dev")]);
        assert_eq!(common([&a, &b]), map(&[("team", "web")]));
        assert_eq!(common([&a]), a);
        assert!(common(std::iter::empty()).is_empty());
    }
}
