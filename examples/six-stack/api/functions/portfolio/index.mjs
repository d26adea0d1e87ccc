// GET /portfolio[/{kind}]: portfolio items by kind through the GSI1 index (gsi1pk = "KIND#<kind>").
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";

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

const respond = async (event) => {
  const kind = event.pathParameters?.proxy ?? "project";
  const out = await db.send(
    new QueryCommand({
      TableName: process.env.TABLE_NAME,
      IndexName: process.env.GSI1_NAME,
      KeyConditionExpression: "gsi1pk = :kind",
      ExpressionAttributeValues: { ":kind": `KIND#${kind}` },
    }),
  );
  return {
    statusCode: 200,
    headers: { "content-type": "application/json", "cache-control": "public, max-age=300" },
    body: JSON.stringify({ kind, items: out.Items ?? [] }),
  };
};

export const handler = async (event) => {
  if (event.httpMethod === "OPTIONS") return preflight(event);
  const response = await respond(event);
  return { ...response, headers: { ...response.headers, ...cors(event) } };
};
