/**
 * The example's workflow: invoice an order. Parse it, then price its lines and screen it for
 * fraud in parallel, then issue the invoice. Deterministic, so it runs anywhere offline.
 */
import { defineStage, defineWorkflow, NonRetryableError } from "@ratchet/kernel";
import { z } from "zod";

const Line = z.object({ sku: z.string().min(1), quantity: z.number().int().positive() });
const Order = z.object({
  orderId: z.string().min(1),
  customer: z.string().min(1),
  lines: z.array(Line).min(1),
});

/** Unit prices in cents; an unknown SKU fails the run (no retry can fix it). */
export const PRICES: Readonly<Record<string, number>> = { apple: 120, pear: 95, fig: 310 };

/** Normalises the order. */
export const parseOrder = defineStage({
  id: "parse-order",
  name: "Parse order",
  schemas: { input: Order, output: Order },
  execute: (ctx) => ({
    ...ctx.input,
    customer: ctx.input.customer.trim(),
    lines: ctx.input.lines.map((l) => ({ sku: l.sku.toLowerCase(), quantity: l.quantity })),
  }),
});

/** Prices every line. */
export const priceLines = defineStage({
  id: "price-lines",
  name: "Price lines",
  schemas: { input: Order, output: z.object({ totalCents: z.number().int() }) },
  execute: (ctx) => {
    let totalCents = 0;
    for (const line of ctx.input.lines) {
      const price = PRICES[line.sku];
      if (price === undefined) throw new NonRetryableError(`unknown SKU "${line.sku}"`);
      totalCents += price * line.quantity;
    }
    return { totalCents };
  },
});

/** Screens the order (here: a fixed rule on quantities). */
export const checkFraud = defineStage({
  id: "check-fraud",
  name: "Check fraud",
  schemas: { input: Order, output: z.object({ risk: z.enum(["low", "review"]) }) },
  execute: (ctx) => ({
    risk: ctx.input.lines.some((l) => l.quantity > 100) ? ("review" as const) : ("low" as const),
  }),
});

/** The invoice the workflow produces. */
export const Invoice = z.object({
  invoiceId: z.string(),
  totalCents: z.number().int(),
  needsReview: z.boolean(),
});

/** Issues the invoice from both results. */
export const issueInvoice = defineStage({
  id: "issue-invoice",
  name: "Issue invoice",
  schemas: {
    input: z.object({
      "price-lines": priceLines.schemas.output,
      "check-fraud": checkFraud.schemas.output,
    }),
    output: Invoice,
  },
  execute: (ctx) => ({
    invoiceId: `inv-${ctx.workflowRunId.slice(-8)}`,
    totalCents: ctx.input["price-lines"].totalCents,
    needsReview: ctx.input["check-fraud"].risk === "review",
  }),
});

/** parse-order → (price-lines ∥ check-fraud) → issue-invoice */
export const invoiceWorkflow = defineWorkflow({
  id: "invoice-order",
  name: "Invoice an order",
  input: Order,
  output: Invoice,
})
  .pipe(parseOrder)
  .parallel([priceLines, checkFraud])
  .pipe(issueInvoice)
  .build();
