/* numbering.c — a subscriber slot's output sequence numbers.
 *
 * Owns the mapping between what a slot receives from its publisher's
 * layers and the one stream its subscriber sees: numbers run on without a
 * gap across layer switches and across frames of a temporal layer the slot
 * does not take, because a browser waits for (and NACKs) every missing
 * number. Each change of mapping starts a span, so a NACK for an older
 * number, or a packet repaired upstream that arrives late, is placed where
 * it was (or would have been) sent. Fixed memory in the slot, no
 * allocation. Runs on the room's worker, on the packet path.
 */
#include "room.h"

static NaraSeqSpan *newest(NaraSeqNumbering *n)
{
  return n->n ? &n->span[n->head] : NULL;
}

static void push(NaraSeqNumbering *n, NaraPubTrack *src, guint16 from_in, guint16 seq_delta,
                 guint32 ts_delta)
{
  if (n->n)
    n->head = (guint8)((n->head + 1) % NARA_SEQ_SPANS);
  if (n->n < NARA_SEQ_SPANS)
    n->n++;
  n->span[n->head] = (NaraSeqSpan){
    .src = src, .from_in = from_in, .seq_delta = seq_delta, .ts_delta = ts_delta
  };
}

/* The newest span of src that in falls into. */
static const NaraSeqSpan *span_for_in(const NaraSeqNumbering *n, const NaraPubTrack *src,
                                      guint16 in)
{
  for (guint k = 0; k < n->n; k++) {
    const NaraSeqSpan *sp = &n->span[(n->head + NARA_SEQ_SPANS - k) % NARA_SEQ_SPANS];
    if (sp->src != src)
      return NULL; /* an older layer: in is from before the switch */
    if ((gint16)(in - sp->from_in) >= 0)
      return sp;
  }
  return NULL;
}

void nara_numbering_reset(NaraSubSlot *slot)
{
  slot->numbering.n = slot->numbering.head = 0;
  slot->numbering.started = slot->numbering.dropped = FALSE;
}

void nara_numbering_switched(NaraSubSlot *slot, const NaraRtpHeader *in)
{
  NaraSeqNumbering *n = &slot->numbering;
  n->last_in = (guint16)(in->seq - 1);
  n->started = TRUE;
  n->dropped = FALSE;
  /* A keyframe is of the base layer: what the slot takes applies now. */
  slot->tmax = slot->tmax_want;
}

gboolean nara_numbering_number(NaraSubSlot *slot, const NaraRtpHeader *in, gint tid,
                               gboolean frame_start, guint16 *out)
{
  NaraSeqNumbering *n = &slot->numbering;
  if (n->started && (gint16)(in->seq - n->last_in) <= 0) {
    /* Late (reordered, or repaired upstream): where it belongs, if its
     * frame was sent. */
    const NaraSeqSpan *sp = tid > slot->tmax ? NULL : span_for_in(n, slot->src, in->seq);
    if (!sp)
      return FALSE;
    *out = (guint16)(in->seq + sp->seq_delta);
    return TRUE;
  }
  n->last_in = in->seq;
  n->started = TRUE;
  if (tid >= 0) {
    /* Down at any frame; up only at a base-layer frame, which every
     * higher layer's next frame can refer to. */
    if (frame_start && slot->tmax != slot->tmax_want && (slot->tmax_want < slot->tmax || tid == 0))
      slot->tmax = slot->tmax_want;
    if (tid > slot->tmax) {
      slot->seq_delta--;
      n->dropped = TRUE;
      n->drop_end = (guint16)(in->seq + 1);
      return FALSE;
    }
  }
  const NaraSeqSpan *sp = newest(n);
  if (!sp || sp->src != slot->src || sp->seq_delta != slot->seq_delta
      || sp->ts_delta != slot->ts_delta) {
    /* After dropped frames the span starts right after them: a packet
     * lost upstream between them and this one is placed here too. */
    gboolean after_drop = n->dropped && sp && sp->src == slot->src;
    push(n, slot->src, after_drop ? n->drop_end : in->seq, slot->seq_delta, slot->ts_delta);
  }
  n->dropped = FALSE;
  *out = (guint16)(in->seq + slot->seq_delta);
  return TRUE;
}

const NaraSeqSpan *nara_numbering_lookup(const NaraSubSlot *slot, guint16 out_seq)
{
  const NaraSeqNumbering *n = &slot->numbering;
  for (guint k = 0; k < n->n; k++) {
    const NaraSeqSpan *sp = &n->span[(n->head + NARA_SEQ_SPANS - k) % NARA_SEQ_SPANS];
    if ((gint16)(out_seq - (guint16)(sp->from_in + sp->seq_delta)) >= 0)
      return sp;
  }
  return NULL;
}
