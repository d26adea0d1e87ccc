// ALB events for an OpenNext server function: the load balancer's Lambda target groups (multi-value headers on,
// as the lambda-previews module creates them) send the API Gateway REST ("v1") event shape with a few
// differences, mended here around OpenNext's own aws-apigw-v1 converter:
//
// - there is no requestContext.identity.sourceIp: the client's address is the last x-forwarded-for entry, the one
//   the ALB appended (its default `append` mode); entries before it came from the client and can be forged
//   (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/x-forwarded-headers.html);
// - query parameters arrive as the client sent them, still URL-encoded (API Gateway decodes them): decoded here,
//   or the converter would encode them a second time;
// - the response must carry its headers in multiValueHeaders (an ALB with multi-value headers ignores
//   `headers`), with no empty values (the v1 converter turns an absent header into ""), and a statusDescription.
import apigwV1 from "@opennextjs/aws/overrides/converters/aws-apigw-v1.js";
import type { Converter } from "@opennextjs/aws/types/overrides.js";

// The name open-next.output.json records for the function; the lambda-previews module checks for it.
export const ALB_CONVERTER = "nextstack-alb";

function decodeQueryPart(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, " "));
  } catch {
    return raw; // not valid percent-encoding: passed on as sent
  }
}

function decodedQuery(event: any): Record<string, string[]> | undefined {
  const params = event.multiValueQueryStringParameters;
  if (!params) return undefined;
  const decoded: Record<string, string[]> = {};
  for (const [key, values] of Object.entries<string[] | undefined>(params)) {
    if (!values) continue;
    const name = decodeQueryPart(key);
    decoded[name] = [...(decoded[name] ?? []), ...values.map(decodeQueryPart)];
  }
  return decoded;
}

export function fromAlbEvent(event: any): any {
  const values: string[] = event.multiValueHeaders?.["x-forwarded-for"] ?? [event.headers?.["x-forwarded-for"] ?? ""];
  const entries = values.join(",").split(",").map((entry) => entry.trim()).filter(Boolean);
  const sourceIp = entries[entries.length - 1] ?? "";
  return {
    ...event,
    multiValueQueryStringParameters: decodedQuery(event),
    requestContext: { ...event.requestContext, identity: { sourceIp } },
  };
}

export function toAlbResponse(response: any): any {
  const multiValueHeaders: Record<string, string[]> = {};
  const add = (name: string, value: unknown) => {
    if (value === undefined || value === null || value === "") return;
    multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), String(value)];
  };
  for (const [name, values] of Object.entries<unknown[]>(response.multiValueHeaders ?? {})) {
    for (const value of values) add(name, value);
  }
  for (const [name, value] of Object.entries(response.headers ?? {})) add(name, value);
  return {
    statusCode: response.statusCode,
    statusDescription: `${response.statusCode} ${STATUS_TEXT[response.statusCode] ?? ""}`.trim(),
    isBase64Encoded: response.isBase64Encoded ?? false,
    multiValueHeaders,
    body: response.body ?? "",
  };
}

// What an ALB shows in the status line (it requires a statusDescription; the text is informative only).
const STATUS_TEXT: Record<number, string> = {
  200: "OK", 201: "Created", 204: "No Content", 206: "Partial Content",
  301: "Moved Permanently", 302: "Found", 303: "See Other", 304: "Not Modified", 307: "Temporary Redirect", 308: "Permanent Redirect",
  400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 413: "Payload Too Large",
  500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
};

const converter: Converter = {
  name: ALB_CONVERTER,
  convertFrom: (event: any) => apigwV1.convertFrom(fromAlbEvent(event)),
  convertTo: async (result) => toAlbResponse(await apigwV1.convertTo(result)),
};

export default converter;
