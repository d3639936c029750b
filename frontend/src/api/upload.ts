// Sending files with a progress bar: fetch cannot report how much of a request body has gone,
// XMLHttpRequest can. Same cookie and CSRF header as every other call; the answer's type comes
// from the schema all the same.
import { ApiError, csrfToken, errorFromResponse } from "./http";
import type { paths } from "./schema";

type UploadPath = paths["/api/v1/ai-sessions/{session_id}/uploads"]["post"];
export type UploadAnswer = UploadPath["responses"][201]["content"]["application/json"];

export function sendFiles(
  sessionId: string,
  files: File[],
  branchId: string | null,
  onProgress: (fraction: number) => void,
): Promise<UploadAnswer> {
  const form = new FormData();
  files.forEach((f) => form.append("files", f, f.name));
  if (branchId) form.append("branch_id", branchId);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/v1/ai-sessions/${encodeURIComponent(sessionId)}/uploads`);
    xhr.withCredentials = true;
    xhr.responseType = "json";
    xhr.setRequestHeader("X-CSRF-Token", csrfToken());
    xhr.upload.onprogress = (e) => onProgress(e.lengthComputable && e.total ? e.loaded / e.total : 0);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve(xhr.response as UploadAnswer);
      else reject(errorFromResponse(xhr.status, xhr.response));
    };
    xhr.onerror = () => reject(new ApiError("Network Error", 0, "network_error"));
    xhr.onabort = () => reject(new ApiError("canceled", 0, "canceled"));
    xhr.send(form);
  });
}
