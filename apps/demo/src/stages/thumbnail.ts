/**
 * `thumbnail`: renders a small SVG card (title on a colour derived from the content) and
 * stores it in the run's blob storage (`ctx.storage`).
 */
import { defineStage } from "@ratchet/kernel";
import { type DemoEnv, simulateWork } from "../env.js";
import { fnv1a } from "../hash.js";
import { FetchedDocument, Thumbnail } from "../schemas.js";
import { frontMatterOf } from "./extract-metadata.js";

const WIDTH = 320;
const HEIGHT = 180;

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The SVG card for a document titled `title`, coloured from `seed`. */
export function renderCard(title: string, seed: string): string {
  const hue = fnv1a(seed) % 360;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}">`,
    `<rect width="100%" height="100%" fill="hsl(${hue} 55% 35%)"/>`,
    `<text x="16" y="${HEIGHT - 24}" font-family="sans-serif" font-size="18" fill="#fff">${escapeXml(title)}</text>`,
    "</svg>",
  ].join("");
}

/** Creates the `thumbnail` stage. */
export function thumbnailStage(env: DemoEnv) {
  return defineStage({
    id: "thumbnail",
    name: "Render thumbnail",
    description: "Renders an SVG card and stores it in the run's blob storage",
    schemas: { input: FetchedDocument, output: Thumbnail },
    async execute(ctx) {
      ctx.onProgress({ progress: 0, message: "rendering SVG" });
      await simulateWork(env, 260, ctx.signal);
      const title = frontMatterOf(ctx.input.body).title ?? ctx.input.slug;
      const svg = new TextEncoder().encode(renderCard(title, ctx.input.etag));
      const key = `thumbnails/${ctx.input.slug}.svg`;
      await ctx.storage.put(key, svg);
      return { key, width: WIDTH, height: HEIGHT, bytes: svg.length };
    },
  });
}
