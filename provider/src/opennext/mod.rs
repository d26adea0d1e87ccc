//! Reading an OpenNext build (the `.open-next/` directory): what `open-next.output.json` says, the files a
//! deployment publishes with their keys and headers, the tag-cache seed, the function bundles as zips,
//! and the architecture each bundle's native code was built for.
//!
//! Nothing here talks to AWS: `nextstack_nextjs_site` and `nextstack_nextjs_build` build on it.

pub mod bundle_zip;
pub mod native;
pub mod output;
pub mod publish;
pub mod tag_seed;

pub use output::{BuildError, BuildOutput};
