/* h264.c — the picture size in an H.264 sequence parameter set.
 *
 * Owns reading an SPS (ITU-T H.264 §7.3.2.1.1) far enough for its
 * width and height, so that H.264 simulcast layers are told apart by
 * size as VP8's are by their keyframe header (layers.c). Reads the NAL
 * unit in place, skipping emulation prevention bytes as it goes: no copy,
 * no allocation, as it runs on the packet path. Pure function; media
 * workers.
 */
#include "h264.h"

typedef struct {
  const guint8 *p;
  gsize len, pos;
  guint zeros; /* zero bytes just read, for emulation prevention */
  guint8 cur;
  guint bits; /* bits of cur not yet read */
  gboolean over;
} BitReader;

static guint read_bit(BitReader *r)
{
  if (r->bits == 0) {
    /* §7.4.1: 00 00 03 carries 00 00; the 03 is not part of the data. */
    if (r->zeros >= 2 && r->pos < r->len && r->p[r->pos] == 3) {
      r->pos++;
      r->zeros = 0;
    }
    if (r->pos >= r->len) {
      r->over = TRUE;
      return 0;
    }
    r->cur = r->p[r->pos++];
    r->zeros = r->cur == 0 ? r->zeros + 1 : 0;
    r->bits = 8;
  }
  return (r->cur >> --r->bits) & 1;
}

static guint32 read_bits(BitReader *r, guint n)
{
  guint32 v = 0;
  while (n--)
    v = (v << 1) | read_bit(r);
  return v;
}

/* §9.1: Exp-Golomb ue(v); values past 2^31 are no SPS Nara reads. */
static guint32 read_ue(BitReader *r)
{
  guint lz = 0;
  while (!read_bit(r) && !r->over)
    if (++lz > 31) {
      r->over = TRUE;
      return 0;
    }
  return ((1u << lz) - 1) + read_bits(r, lz);
}

static gint32 read_se(BitReader *r)
{
  guint32 k = read_ue(r);
  return k & 1 ? (gint32)((k + 1) / 2) : -(gint32)(k / 2);
}

/* §7.3.2.1.1.1: read and thrown away. */
static void skip_scaling_list(BitReader *r, guint size)
{
  gint32 last = 8, next = 8;
  for (guint j = 0; j < size && !r->over; j++) {
    if (next != 0) {
      gint32 delta = read_se(r);
      if (delta < -128 || delta > 127) { /* delta_scale's range: no SPS */
        r->over = TRUE;
        return;
      }
      next = (last + delta + 256) % 256;
    }
    last = next == 0 ? last : next;
  }
}

/* §7.3.2.1.1: the profiles whose SPS carries chroma format, bit depths
 * and scaling matrices. */
static gboolean high_profile(guint profile)
{
  static const guint8 ids[] = { 100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135 };
  for (guint i = 0; i < G_N_ELEMENTS(ids); i++)
    if (profile == ids[i])
      return TRUE;
  return FALSE;
}

gboolean nara_h264_sps_size(const guint8 *nal, gsize len, guint16 *width, guint16 *height)
{
  if (len < 4 || (nal[0] & 0x1f) != 7)
    return FALSE;
  BitReader r = { .p = nal, .len = len, .pos = 1 };
  guint profile = read_bits(&r, 8);
  read_bits(&r, 16); /* constraint flags, level */
  read_ue(&r);       /* seq_parameter_set_id */
  guint chroma = 1;  /* 4:2:0 unless the profile says */
  if (high_profile(profile)) {
    chroma = read_ue(&r);
    if (chroma > 3)
      return FALSE;
    if (chroma == 3)
      read_bit(&r); /* separate_colour_plane_flag */
    read_ue(&r);    /* bit depths */
    read_ue(&r);
    read_bit(&r); /* qpprime_y_zero_transform_bypass_flag */
    if (read_bit(&r))
      for (guint i = 0; i < (chroma != 3 ? 8u : 12u) && !r.over; i++)
        if (read_bit(&r))
          skip_scaling_list(&r, i < 6 ? 16 : 64);
  }
  read_ue(&r); /* log2_max_frame_num_minus4 */
  guint poc_type = read_ue(&r);
  if (poc_type == 0) {
    read_ue(&r);
  } else if (poc_type == 1) {
    read_bit(&r);
    read_se(&r);
    read_se(&r);
    guint n = read_ue(&r);
    if (n > 255)
      return FALSE;
    for (guint i = 0; i < n && !r.over; i++)
      read_se(&r);
  } else if (poc_type != 2) {
    return FALSE;
  }
  read_ue(&r);  /* max_num_ref_frames */
  read_bit(&r); /* gaps_in_frame_num_value_allowed_flag */
  guint32 mbs_w = read_ue(&r) + 1;
  guint32 units_h = read_ue(&r) + 1;
  guint frame_mbs_only = read_bit(&r);
  if (!frame_mbs_only)
    read_bit(&r); /* mb_adaptive_frame_field_flag */
  read_bit(&r);   /* direct_8x8_inference_flag */
  guint32 crop[4] = { 0 };
  if (read_bit(&r))
    for (guint i = 0; i < 4; i++)
      crop[i] = read_ue(&r);
  if (r.over || mbs_w > 1024 || units_h > 1024)
    return FALSE;
  /* §7.4.2.1.1: cropping counts in chroma samples (frame_cropping_*). */
  guint32 unit_x = chroma == 1 || chroma == 2 ? 2 : 1;
  guint32 unit_y = (chroma == 1 ? 2 : 1) * (2 - frame_mbs_only);
  guint64 w = (guint64)mbs_w * 16, h = (guint64)units_h * 16 * (2 - frame_mbs_only);
  guint64 cw = (guint64)unit_x * (crop[0] + crop[1]), ch = (guint64)unit_y * (crop[2] + crop[3]);
  if (cw >= w || ch >= h)
    return FALSE;
  *width = (guint16)(w - cw);
  *height = (guint16)(h - ch);
  return TRUE;
}
