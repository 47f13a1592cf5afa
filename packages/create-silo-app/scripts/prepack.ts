// prepack: copies the template (the files git tracks, as a new project starts from them) into
// template/, so the published package carries it. npm leaves .gitignore files out of packages
// (and reads them as ignore rules), so they are stored renamed; create-silo-app restores them.
// postpack (`--clean`): removes template/ again, so that runs from the repository read the
// repository itself, never a stale copy.
import fs from "node:fs";
import path from "node:path";
import {
  listingNotes,
  listRepository,
  REPO_DIR,
  storedName,
  TEMPLATE_DIR,
} from "../src/template.ts";

fs.rmSync(TEMPLATE_DIR, { recursive: true, force: true });
if (!process.argv.includes("--clean")) {
  const listing = listRepository(REPO_DIR);
  for (const note of listingNotes(REPO_DIR, listing)) console.warn(note);
  const { files } = listing;
  for (const file of files) {
    const target = path.join(TEMPLATE_DIR, storedName(file));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(path.join(REPO_DIR, file), target);
  }
  console.log(
    `Copied ${files.length} template files into ${path.relative(process.cwd(), TEMPLATE_DIR)}/`,
  );
}
