// OpenNext configuration for an app deployed with modules/lambda-previews: copy this file, alb-wrapper.ts and
// alb-converter.ts next to the app's package.json (or merge this into its own open-next.config.ts).
//
// The server function answers ALB events and serves the static assets (see alb-wrapper.ts). Each preview
// renders on request: no ISR cache, tag cache or revalidation queue (the layout has no bucket, table or queue),
// so `revalidate` and on-demand revalidation do nothing; prerendered pages are rendered again on each request.
import type { OpenNextConfig } from "@opennextjs/aws/types/open-next.js";

const config = {
  default: {
    override: {
      wrapper: () => import("./alb-wrapper").then((m) => m.default),
      converter: () => import("./alb-converter").then((m) => m.default),
      incrementalCache: "dummy",
      tagCache: "dummy",
      queue: "dummy",
    },
  },
} satisfies OpenNextConfig;

export default config;
