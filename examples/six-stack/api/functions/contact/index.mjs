// POST /contact: stores a contact-form message (pk = "CONTACT") after checking its fields.
import { randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";

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
  headers: { "content-type": "application/json", "cache-control": "no-store" },
  body: JSON.stringify(body),
});

const respond = async (event) => {
  let form;
  try {
    form = JSON.parse(event.body ?? "");
  } catch {
    return json(400, { message: "the body must be JSON" });
  }
  const { name, email, message } = form ?? {};
  if (typeof name !== "string" || typeof email !== "string" || !email.includes("@") || typeof message !== "string") {
    return json(400, { message: "name, email and message are required" });
  }
  const id = randomUUID();
  await db.send(
    new PutCommand({
      TableName: process.env.TABLE_NAME,
      Item: { pk: "CONTACT", sk: `${new Date().toISOString()}#${id}`, name, email, message: message.slice(0, 5000) },
    }),
  );
  return json(202, { id });
};

export const handler = async (event) => {
  if (event.httpMethod === "OPTIONS") return preflight(event);
  const response = await respond(event);
  return { ...response, headers: { ...response.headers, ...cors(event) } };
};
