// GET /articles[/{slug}]: the portfolio's articles from the single table (pk = "ARTICLE").
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";

const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));

// CORS (modules/api's cors_allow_origins): a Lambda proxy integration returns its own Access-Control-* headers. The
// request's Origin is echoed when it is allowed; OPTIONS is the browser's preflight.
const allowedOrigins = (process.env.CORS_ALLOW_ORIGINS ?? "").split(",").filter(Boolean);
const cors = (event) => {
  const origin = Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === "origin")?.[1];
  return allowedOrigins.includes(origin) ? { "access-control-allow-origin": origin, vary: "Origin" } : { vary: "Origin" };
};
const preflight = (event) => ({
  statusCode: 204,
  headers: {
    ...cors(event),
    "access-control-allow-methods": process.env.CORS_ALLOW_METHODS ?? "",
    "access-control-allow-headers": "content-type",
    "access-control-max-age": "600",
  },
  body: "",
});
const json = (statusCode, body) => ({
  statusCode,
  headers: { "content-type": "application/json", "cache-control": "public, max-age=60" },
  body: JSON.stringify(body),
});

const respond = async (event) => {
  const slug = event.pathParameters?.proxy;
  if (slug) {
    const out = await db.send(new GetCommand({ TableName: process.env.TABLE_NAME, Key: { pk: "ARTICLE", sk: slug } }));
    return out.Item ? json(200, out.Item) : json(404, { message: `no article ${slug}` });
  }
  const out = await db.send(
    new QueryCommand({
      TableName: process.env.TABLE_NAME,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": "ARTICLE" },
    }),
  );
  return json(200, { articles: out.Items ?? [] });
};

export const handler = async (event) => {
  if (event.httpMethod === "OPTIONS") return preflight(event);
  const response = await respond(event);
  return { ...response, headers: { ...response.headers, ...cors(event) } };
};
