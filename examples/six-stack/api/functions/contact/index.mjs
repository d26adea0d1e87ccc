// POST /contact: stores a contact-form message (pk = "CONTACT") after checking its fields, then, when modules/api's
// contact_notification is set, mails it through SES from NOTIFICATION_FROM to NOTIFICATION_TO (comma-separated).
import { randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { SESv2Client, SendEmailCommand } from "@aws-sdk/client-sesv2";

const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const mailFrom = process.env.NOTIFICATION_FROM ?? "";
const mailTo = (process.env.NOTIFICATION_TO ?? "").split(",").filter(Boolean);
const ses = mailFrom && mailTo.length ? new SESv2Client({}) : null;

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

// One mail per stored message. The message is already stored, so a failed send (unverified identity, sandbox,
// throttling) is logged and the form still answers 202: the mail is a courtesy, the table is the record.
const notify = async (id, { name, email, message }) => {
  if (!ses) return;
  try {
    await ses.send(
      new SendEmailCommand({
        FromEmailAddress: mailFrom,
        Destination: { ToAddresses: mailTo },
        Content: {
          Simple: {
            Subject: { Data: `Contact form: ${name.replace(/[\r\n]+/g, " ").slice(0, 100)}`, Charset: "UTF-8" },
            Body: { Text: { Data: `From: ${name} <${email}>\nMessage ${id}:\n\n${message.slice(0, 5000)}`, Charset: "UTF-8" } },
          },
        },
      }),
    );
  } catch (err) {
    console.error(JSON.stringify({ message: "contact notification not sent", id, error: err.name, detail: err.message }));
  }
};

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
  await notify(id, { name, email, message });
  return json(202, { id });
};

export const handler = async (event) => {
  if (event.httpMethod === "OPTIONS") return preflight(event);
  const response = await respond(event);
  return { ...response, headers: { ...response.headers, ...cors(event) } };
};
