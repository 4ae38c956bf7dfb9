"""One image shape for a whole dataset: resize and colour conversion.

Every source (folders, array files, tensorflow-datasets) goes through the
same two functions, so `image_size` and `channels` mean the same everywhere:

- `image_size=(height, width)` resizes **keeping the aspect ratio by a
  centre crop**: the largest centred window with the target's aspect ratio
  is cut out, then resized (bilinear, antialiased when shrinking). Nothing
  is padded or stretched; the borders of the longer side are lost.
- `channels=1` converts colour to grey (ITU-R 601 luma, as
  `tf.image.rgb_to_grayscale`); `channels=3` repeats a grey channel three
  times. An alpha channel is dropped.

uint8 images stay uint8 through both steps (rounded after resizing), so a
cached dataset holds one byte per pixel; float images stay float.
"""

import tensorflow as tf

_LUMA = (0.2989, 0.5870, 0.1140)


def _like(values, image):
    """`values` (float32) in `image`'s dtype, rounded for integers."""
    if image.dtype.is_integer:
        return tf.cast(tf.clip_by_value(tf.round(values), 0, 255), image.dtype)
    return tf.cast(values, image.dtype)


def to_channels(image, channels):
    """Converts an image `(..., height, width, c)` to `channels`
    channels (1 or 3); `c` may be 1, 2 (grey + alpha), 3 or 4 (RGBA), and
    may be unknown until run time."""
    count = tf.shape(image)[-1]
    if channels == 3:
        return tf.cond(
            count < 3,
            lambda: tf.repeat(image[..., :1], 3, axis=-1),
            lambda: image[..., :3],
        )

    def grey():
        luma = tf.cast(image[..., :3], tf.float32) * tf.constant(_LUMA)
        return _like(tf.reduce_sum(luma, axis=-1, keepdims=True), image)

    return tf.cond(count < 3, lambda: image[..., :1], grey)


def center_crop_resize(image, image_size):
    """Crops the largest centred window of `image_size`'s aspect ratio from
    images `(..., height, width, channels)` and resizes it to `image_size`."""
    target_height, target_width = image_size
    shape = tf.shape(image)
    height, width = shape[-3], shape[-2]
    height_f, width_f = tf.cast(height, tf.float64), tf.cast(width, tf.float64)
    ratio = target_width / target_height
    crop_height = tf.minimum(height, tf.cast(tf.round(width_f / ratio), tf.int32))
    crop_width = tf.minimum(width, tf.cast(tf.round(height_f * ratio), tf.int32))
    crop_height, crop_width = tf.maximum(crop_height, 1), tf.maximum(crop_width, 1)
    top, left = (height - crop_height) // 2, (width - crop_width) // 2
    image = image[..., top : top + crop_height, left : left + crop_width, :]
    return _like(tf.image.resize(image, image_size, antialias=True), image)


def fit_image(image, image_size=None, channels=None):
    """Applies `channels` then `image_size` to an image or a batch of images
    (either may be `None`: unchanged)."""
    if channels is not None:
        image = to_channels(image, channels)
    if image_size is not None:
        image = center_crop_resize(image, image_size)
    return image
