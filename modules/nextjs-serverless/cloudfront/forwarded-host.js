// CloudFront Function (cloudfront-js-2.0, viewer request) on the server behaviours.
//
// The server functions sit behind Lambda function URLs, which need their own host name in the Host header,
// so the origin request policy does not forward the viewer's. Next.js still needs the site's host to build
// absolute URLs and redirects: OpenNext reads it from x-forwarded-host, which this sets from the Host the
// viewer sent.
function handler(event) {
  var request = event.request;
  var host = request.headers.host;
  if (host && host.value) {
    request.headers["x-forwarded-host"] = { value: host.value };
  }
  return request;
}
