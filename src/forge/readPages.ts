/** Items per page asked of a forge's list endpoints (both forges' maximum). */
export const PAGE_SIZE = 100;
/** Pages read at the most: a thread's notes beyond them are left out of the prompt. */
const MAX_PAGES = 3;

/**
 * Reads a forge list page by page (from page 1) until a short page or MAX_PAGES; a page that is not a
 * JSON list is `notAList()`.
 */
export async function readPages(
  readPage: (page: number) => Promise<unknown>,
  notAList: () => Error,
): Promise<unknown[]> {
  const out: unknown[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const data = await readPage(page);
    if (!Array.isArray(data)) throw notAList();
    out.push(...data);
    if (data.length < PAGE_SIZE) break;
  }
  return out;
}
