// CloudFront Function (runtime cloudfront-js-2.0), viewer-request event of the static site's distribution.
//
// 1. A request for www.<domain> gets a 301 to https://<domain> with the same path and query string, so the
//    site has one address. The apex is the host without its "www." prefix (the distribution answers only for
//    <domain> and www.<domain>), which keeps this file free of configuration: tests run it as it is.
// 2. Any other request for a directory ("/", "/blog/") is rewritten to its index.html, the layout a Next.js
//    static export with `trailingSlash: true` writes; S3 has no directory indexes behind origin access control.
//
// CloudFront hands the function the query string as the viewer sent it (percent-encoded), one entry per name
// with `multiValue` when a name repeats; it is put back together in the same spelling, without re-encoding.

function queryString(querystring) {
    var parts = [];
    var names = Object.keys(querystring || {});
    for (var i = 0; i < names.length; i++) {
        var name = names[i];
        var entry = querystring[name];
        var values = entry.multiValue ? entry.multiValue : [entry];
        for (var j = 0; j < values.length; j++) {
            var value = values[j].value;
            parts.push(value === undefined || value === "" ? name : name + "=" + value);
        }
    }
    return parts.join("&");
}

function handler(event) {
    var request = event.request;
    var host = request.headers.host ? request.headers.host.value.toLowerCase() : "";

    if (host.indexOf("www.") === 0) {
        var query = queryString(request.querystring);
        return {
            statusCode: 301,
            statusDescription: "Moved Permanently",
            headers: {
                location: { value: "https://" + host.substring(4) + request.uri + (query ? "?" + query : "") },
                "cache-control": { value: "max-age=3600" },
            },
        };
    }

    if (request.uri.charAt(request.uri.length - 1) === "/") {
        request.uri += "index.html";
    }
    return request;
}
