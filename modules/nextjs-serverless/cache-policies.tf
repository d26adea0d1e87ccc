# Cache policies for the functions' responses. Both take the TTL from the function's own Cache-Control
# (default 0: nothing is cached unless the function says so) and differ in what goes into the cache key.

# The Next.js server. Next.js answers one URL with different bodies depending on request headers (its Vary:
# the HTML of a page, or its RSC payload for a client-side navigation or a prefetch), so those headers are in the
# key; so is x-prerender-revalidate, so that OpenNext's revalidation function (a HEAD with that header, after an
# ISR page went stale) reaches the server and regenerates the page instead of getting CloudFront's cached copy.
# Managed-UseOriginCacheControlHeaders-QueryStrings, used before, keys on none of them: revalidations were
# answered from the cache and ISR pages never regenerated (shown by tests/e2e/test_serverless_site.py).
# Cookies and query strings are all in the key: a response is never served to a viewer with other ones.
resource "aws_cloudfront_cache_policy" "server" {
  name        = "${local.name_prefix}-server"
  comment     = "Next.js server of ${local.name_prefix}: origin Cache-Control, keyed on what Next.js varies on"
  min_ttl     = 0
  default_ttl = 0
  max_ttl     = 31536000

  parameters_in_cache_key_and_forwarded_to_origin {
    enable_accept_encoding_gzip   = true
    enable_accept_encoding_brotli = true

    headers_config {
      header_behavior = "whitelist"
      headers {
        items = [
          "accept",
          "next-router-prefetch",
          "next-router-segment-prefetch",
          "next-router-state-tree",
          "next-url",
          "rsc",
          "x-prerender-revalidate",
        ]
      }
    }
    cookies_config {
      cookie_behavior = "all"
    }
    query_strings_config {
      query_string_behavior = "all"
    }
  }
}

# The image optimizer picks the output format from the viewer's Accept (AVIF, WebP or the original's), and the
# size and quality from the query string (url, w, q): both are in the key, cookies are not.
resource "aws_cloudfront_cache_policy" "image" {
  name        = "${local.name_prefix}-image"
  comment     = "Image optimization of ${local.name_prefix}: origin Cache-Control, keyed on Accept and the query"
  min_ttl     = 0
  default_ttl = 0
  max_ttl     = 31536000

  parameters_in_cache_key_and_forwarded_to_origin {
    enable_accept_encoding_gzip   = false
    enable_accept_encoding_brotli = false

    headers_config {
      header_behavior = "whitelist"
      headers {
        items = ["accept"]
      }
    }
    cookies_config {
      cookie_behavior = "none"
    }
    query_strings_config {
      query_string_behavior = "all"
    }
  }
}
