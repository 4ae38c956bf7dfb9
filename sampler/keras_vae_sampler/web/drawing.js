// Draws decoded images (flat Float32Arrays in the manifest's output layout,
// height x width x channels) onto canvases: grey for one channel, RGB for
// three or more. Values are clipped to the manifest's output_range; a null
// range (Gaussian decoder, unbounded) is min-max scaled per image.

export function imageGeometry(outputShape) {
  const [height, width, channels = 1] = outputShape;
  return { height, width, channels };
}

export function toImageData(image, outputShape, outputRange) {
  const { height, width, channels } = imageGeometry(outputShape);
  let low;
  let high;
  if (outputRange) {
    [low, high] = outputRange;
  } else {
    low = Infinity;
    high = -Infinity;
    for (const value of image) {
      if (value < low) low = value;
      if (value > high) high = value;
    }
  }
  const scale = high > low ? 255 / (high - low) : 0;
  const pixels = new ImageData(width, height);
  const rgba = pixels.data;
  for (let p = 0; p < width * height; p += 1) {
    for (let c = 0; c < 3; c += 1) {
      const value = image[p * channels + (channels >= 3 ? c : 0)];
      rgba[p * 4 + c] = Math.min(255, Math.max(0, (value - low) * scale));
    }
    rgba[p * 4 + 3] = 255;
  }
  return pixels;
}

const scratch = document.createElement("canvas");

// Draws one image scaled into the box (x, y, w, h) of a 2-D context.
export function drawImage(context, image, manifestModel, x, y, w, h) {
  const pixels = toImageData(
    image,
    manifestModel.output_shape,
    manifestModel.output_range,
  );
  scratch.width = pixels.width;
  scratch.height = pixels.height;
  scratch.getContext("2d").putImageData(pixels, 0, 0);
  context.imageSmoothingEnabled = false;
  context.drawImage(scratch, x, y, w, h);
}

// Draws images in a grid of `columns`; the canvas is resized to fit.
export function drawGrid(canvas, images, manifestModel, columns, cell) {
  const rows = Math.ceil(images.length / columns);
  canvas.width = columns * cell;
  canvas.height = rows * cell;
  const context = canvas.getContext("2d");
  context.fillStyle = "#fff";
  context.fillRect(0, 0, canvas.width, canvas.height);
  images.forEach((image, i) => {
    drawImage(
      context,
      image,
      manifestModel,
      (i % columns) * cell + 1,
      Math.floor(i / columns) * cell + 1,
      cell - 2,
      cell - 2,
    );
  });
}
