// Test app for nextstack_nextjs_site: see README.md. Everything that varies between builds is fixed here so that
// two builds of the same sources give the same output (apart from the few files listed in the README).

/** @type {import('next').NextConfig} */
const nextConfig = {
  // A fixed build id (Next.js picks a random one otherwise): cache/<BUILD_ID>/, assets/BUILD_ID and the tag rows
  // in dynamodb-cache.json are keyed by it.
  generateBuildId: async () => process.env.NEXTSTACK_BUILD_ID || "nextstack-test-1",
  // Inlined at compile time (like an edit to the source): NEXTSTACK_VARIANT=2 changes the text of /about, in its
  // server render and in its client component's hashed chunk.
  env: {
    NEXTSTACK_VARIANT: process.env.NEXTSTACK_VARIANT || "1",
  },
  poweredByHeader: false,
};

export default nextConfig;
