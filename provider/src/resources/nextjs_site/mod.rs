//! `resource "nextstack_nextjs_site"`: publishes a Next.js build to S3: an OpenNext build (assets with
//! OpenNext's Cache-Control split, the ISR and fetch caches, the revalidation table's seed) or a standalone
//! Next.js build (`.next/static` and `public/`, the same split), keeps the previous builds' files for visitors
//! still running them, and invalidates in CloudFront only what changed.
//!
//! - `local`: the build on disk, its kind and its digest (plan and apply).
//! - `manifest`: what an apply published, kept in the bucket (state stays small).
//! - `diff`: what an apply must upload, delete and invalidate (no AWS).
//! - `deploy`: doing it, in the order that keeps visitors safe, cleaning up after a failure.
//! - `objects`, `tag_table`, `invalidation`: S3, DynamoDB and CloudFront.
//! - `checks`: the validators on single attributes.
//! - `resource`: the Terraform side (schema, plan, CRUD, import).

mod checks;
mod deploy;
mod diff;
mod identity;
mod local;
mod manifest;
mod objects;
mod resource;
mod tag_table;

pub use resource::NextjsSiteResource;
