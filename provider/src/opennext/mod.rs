//! Reading a Next.js build: an OpenNext build (the `.open-next/` directory: what `open-next.output.json`
//! says, the files a deployment publishes with their keys and headers, the tag-cache seed, the function
//! bundles as zips, and the architecture each bundle's native code was built for) or a standalone Next.js
//! build (its static files and build id), and telling the two apart.
//!
//! Nothing here talks to AWS: `nextstack_nextjs_site` and `nextstack_nextjs_build` build on it.

pub mod bundle_zip;
pub mod kind;
pub mod native;
pub mod output;
pub mod publish;
pub mod standalone;
pub mod tag_seed;

pub use kind::BuildKind;
pub use output::{BuildError, BuildOutput};
