//! The checks of single `nextstack_nextjs_site` attributes, attached to them in the schema as validators: the
//! framework runs them at validation with the attribute's path.

use tfplugin_framework::validators::{IntRange, OneOf, StringCheck};

use crate::opennext::BuildKind;

pub const INVALIDATION_MODES: [&str; 3] = ["changed", "all", "none"];
pub const MAX_KEEP: i64 = 50;

pub fn invalidation() -> OneOf {
    OneOf::new("Invalid invalidation", &INVALIDATION_MODES, |mode| {
        format!("invalidation is {mode:?}; it must be one of \"changed\", \"all\" or \"none\".")
    })
}

pub fn keep_previous_builds() -> IntRange {
    IntRange::new("Invalid keep_previous_builds", 0..=MAX_KEEP, |n| {
        format!("keep_previous_builds is {n}; it must be between 0 and {MAX_KEEP}.")
    })
}

pub fn build_kind() -> StringCheck {
    StringCheck::new("Invalid build_kind", |kind| match BuildKind::parse(kind) {
        Some(_) => Ok(()),
        None => Err(format!(
            "build_kind is {kind:?}; it must be \"opennext\" or \"standalone\" (or unset, to detect it from build_dir)."
        )),
    })
}

/// `assets_prefix` (`empty_ok`: the assets may sit at the bucket's root, an S3 origin without an origin path) or
/// `cache_prefix` (the cache never shares the root with them).
pub fn key_prefix(name: &'static str, empty_ok: bool) -> StringCheck {
    StringCheck::new(&format!("Invalid {name}"), move |p| {
        if (p.is_empty() && !empty_ok) || p.starts_with('/') || p.ends_with('/') || p.contains("//") {
            Err(format!(
                "{name} is {p:?}; it must be a key prefix without leading or trailing \"/\", e.g. \"_assets\"{}.",
                if empty_ok {
                    " (\"\" for the bucket's root)"
                } else {
                    ", not empty"
                }
            ))
        } else {
            Ok(())
        }
    })
}

/// An S3 bucket name as S3 allows it (the common subset: no uppercase, no underscores).
pub fn bucket(name: &'static str) -> StringCheck {
    StringCheck::new(&format!("Invalid {name}"), move |b| {
        let valid = (3..=63).contains(&b.len())
            && b.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
            && !b.starts_with(['-', '.'])
            && !b.ends_with(['-', '.']);
        if valid {
            Ok(())
        } else {
            Err(format!(
                "{name} is {b:?}, which is not an S3 bucket name (3-63 lowercase letters, digits, '-' and '.')."
            ))
        }
    })
}
