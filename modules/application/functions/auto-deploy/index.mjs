// Auto-deploy by digest: EventBridge delivers an ECR "image push" event for a new tag of the repository (tags are
// immutable, so every build pushes a tag of its own). This pins the pushed image by its digest
// (repository@sha256:...) in a new revision of the service's task definition and rolls the service to it (the
// circuit breaker rolls it back if the new tasks fail).
//
// The new revision is a copy of the family's newest revision, so what Terraform last registered (environment,
// sizes, sidecars) rides along with the new image. {"redeploy": true} as the event redeploys the digest the service
// runs now with that newest revision: how a Terraform change of the task definition is rolled out between pushes.
// Node.js 22 runtime: the AWS SDK v3 is part of the runtime, nothing is bundled.
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from "@aws-sdk/client-ecs";

const ecs = new ECSClient({});

// What RegisterTaskDefinition takes back from DescribeTaskDefinition's answer.
const REGISTER_FIELDS = [
  "family",
  "taskRoleArn",
  "executionRoleArn",
  "networkMode",
  "containerDefinitions",
  "volumes",
  "placementConstraints",
  "requiresCompatibilities",
  "cpu",
  "memory",
  "pidMode",
  "ipcMode",
  "proxyConfiguration",
  "inferenceAccelerators",
  "ephemeralStorage",
  "runtimePlatform",
];

const imageOf = (taskDefinition, container) =>
  taskDefinition.containerDefinitions.find((c) => c.name === container)?.image;

export const handler = async (event) => {
  const { CLUSTER: cluster, SERVICE: service, FAMILY: family, CONTAINER: container, REPOSITORY_URL: repositoryUrl } =
    process.env;
  const detail = event?.detail ?? {};

  let image;
  if (event?.redeploy === true) {
    const running = (await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }))).services?.[0];
    if (!running) throw new Error(`service ${service} not found in ${cluster}`);
    const current = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: running.taskDefinition }));
    image = imageOf(current.taskDefinition, container);
  } else {
    const digest = detail["image-digest"];
    if (!/^sha256:[0-9a-f]{64}$/.test(digest ?? "")) throw new Error(`no image digest in the event: ${JSON.stringify(detail)}`);
    image = `${repositoryUrl}@${digest}`;
  }

  const newest = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: family, include: ["TAGS"] }));
  const input = Object.fromEntries(
    REGISTER_FIELDS.filter((k) => newest.taskDefinition[k] !== undefined).map((k) => [k, newest.taskDefinition[k]]),
  );
  input.containerDefinitions = input.containerDefinitions.map((c) => (c.name === container ? { ...c, image } : c));
  if (newest.tags?.length) input.tags = newest.tags;
  const registered = await ecs.send(new RegisterTaskDefinitionCommand(input));
  const taskDefinition = registered.taskDefinition.taskDefinitionArn;

  console.log(
    JSON.stringify({ msg: "deploying", tag: detail["image-tag"], image, taskDefinition, cluster, service }),
  );
  const out = await ecs.send(new UpdateServiceCommand({ cluster, service, taskDefinition }));
  const deployment = out.service?.deployments?.find((d) => d.status === "PRIMARY");
  return { service: out.service?.serviceArn, taskDefinition, image, deployment: deployment?.id };
};
