// OpenNext configuration for the browser tests' build of the test app (tests/e2e/test_serverless_site.py):
// OpenNext's defaults with the streaming wrapper, so the server function answers through a RESPONSE_STREAM
// function URL and a <Suspense> page reaches the browser in parts. Everything else (S3 incremental cache,
// DynamoDB tag cache, SQS queue) stays OpenNext's default.
import type { OpenNextConfig } from "@opennextjs/aws/types/open-next.js";

const config = {
  default: {
    override: {
      wrapper: "aws-lambda-streaming",
    },
  },
} satisfies OpenNextConfig;

export default config;
