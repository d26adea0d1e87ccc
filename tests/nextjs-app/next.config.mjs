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
  // NEXTSTACK_OUTPUT=standalone (build.sh): a standalone build (.next/standalone/server.js, for a container) with
  // the static files left for nextstack_nextjs_site to publish. Unset for OpenNext, which sets standalone output
  // itself, so its builds are the same either way.
  ...(process.env.NEXTSTACK_OUTPUT === "standalone" ? { output: "standalone" } : {}),
  // Middleware sees the request's URL as sent (request.url). Without this, Next.js rewrites loopback hosts
  // (127.x.x.x, [::1]) to "localhost" in middleware URLs and redirects, so the /old-about redirect of a site served
  // on 127.0.0.1 would point at https://localhost:PORT/ (OpenNext's URLs are https): a test's browser would leave
  // the site. With the host kept, OpenNext turns the redirect into a relative Location.
  skipMiddlewareUrlNormalize: true,
};

export default nextConfig;
