// Lambda@Edge, origin request, on the behaviours that reach the server functions: adds the SHA-256 of the
// request body as x-amz-content-sha256.
//
// CloudFront reaches the function URLs through origin access control (AWS_IAM auth), and for a request with a
// body Lambda checks CloudFront's signature against that header: "If you use PUT or POST methods with your
// Lambda function URL, your users must compute the SHA256 of the body and include the payload hash value of
// the request body in the x-amz-content-sha256 header" (CloudFront Developer Guide, "Restrict access to an AWS
// Lambda function URL origin"). Browsers never send it, so without this every Server Action and every POST,
// PUT, PATCH or DELETE with a body would be refused with 403.
//
// The association includes the body (include_body), which CloudFront gives an origin-request trigger up to
// 1 MB: a longer body cannot be hashed here and is answered 413 rather than forwarded unsigned.
import { createHash } from "node:crypto";

export const handler = async (event) => {
  const request = event.Records[0].cf.request;
  const body = request.body;
  if (!body || !body.data) {
    return request;
  }
  if (body.inputTruncated) {
    return {
      status: "413",
      statusDescription: "Payload Too Large",
      headers: { "content-type": [{ key: "Content-Type", value: "text/plain" }] },
      body: "Request bodies larger than 1 MB are not accepted by this site.",
    };
  }
  const bytes = Buffer.from(body.data, body.encoding === "base64" ? "base64" : "utf8");
  request.headers["x-amz-content-sha256"] = [
    { key: "X-Amz-Content-Sha256", value: createHash("sha256").update(bytes).digest("hex") },
  ];
  return request;
};
