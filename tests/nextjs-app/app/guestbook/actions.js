"use server";
// The Server Action behind the guestbook form. Stateless: it answers with what it was sent (trimmed, at most
// 100 characters) and the time it ran, so any server function instance gives the same kind of answer.

export async function signGuestbook(previousState, formData) {
  const name = String(formData.get("name") ?? "").trim().slice(0, 100);
  if (!name) {
    return { ok: false, error: "Please enter a name.", count: previousState.count };
  }
  return {
    ok: true,
    message: `Thanks for signing, ${name}!`,
    signedAt: new Date().toISOString(),
    count: previousState.count + 1,
  };
}
