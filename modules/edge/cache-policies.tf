# Cache policies for what the ALB answers (the Next.js server in the application's tasks). Both take the TTL from
# the server's own Cache-Control (default 0: nothing is cached unless the server says so) and differ in what goes
# into the cache key. CloudFront ignores an origin's `Vary` (except Accept-Encoding), so whatever the server varies
# on must be in the key, or one viewer gets the answer made for another ("Cache content based on request headers",
# CloudFront Developer Guide).

# Pages and route handlers. Next.js answers one URL with the HTML of a page or with its RSC payload (a client-side
# navigation or a prefetch), chosen by request headers (its `Vary: RSC, Next-Router-State-Tree,
# Next-Router-Prefetch, Next-Router-Segment-Prefetch`, and `Next-Url` for intercepting routes); a prerendered page
# carries `s-maxage`, so with AWS's Managed-UseOriginCacheControlHeaders-QueryStrings, used before, the first answer
# for a URL was served to every viewer: a navigation got HTML where it expected a payload, a reload got the payload.
# Host and Origin stay in the key as in that managed policy (the site answers on two names; CORS answers depend on
# Origin), and so do every cookie and query string: an answer is never served to a viewer with other ones.
resource "aws_cloudfront_cache_policy" "next" {
  name        = "${local.name_prefix}-next"
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
          "host",
          "next-router-prefetch",
          "next-router-segment-prefetch",
          "next-router-state-tree",
          "next-url",
          "origin",
          "rsc",
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

# next/image (`/_next/image`): the optimizer picks the format from the viewer's Accept (WebP or AVIF when the
# browser takes them, else the source's own) and the size and quality from the query string (url, w, q). Both are
# in the key; cookies are not (an optimized image is the same for every viewer).
resource "aws_cloudfront_cache_policy" "image" {
  name        = "${local.name_prefix}-image"
  comment     = "next/image of ${local.name_prefix}: origin Cache-Control, keyed on Accept and the query"
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
