/// Small grey images in a grid, each with a caption underneath: learned filters, weight
/// templates, feature maps, misclassified digits.
///
/// Every image is one `<image class="tile">` (an embedded PNG, drawn without smoothing).
public struct ImageGrid {
    public var title: String
    public var images: [GrayImage]
    /// One per image, or empty for none.
    public var captions: [String]
    public var columns: Int
    /// Screen pixels per image pixel.
    public var scale: Double

    public init(title: String, images: [GrayImage], captions: [String] = [], columns: Int, scale: Double = 3) {
        guard captions.isEmpty || captions.count == images.count else {
            fatalError("ImageGrid: \(captions.count) captions for \(images.count) images")
        }
        self.title = title
        self.images = images
        self.captions = captions
        self.columns = max(1, min(columns, images.count))
        self.scale = scale
    }

    public func svg() -> String {
        let tileWidth = Double(images.map(\.width).max() ?? 1) * scale
        let tileHeight = Double(images.map(\.height).max() ?? 1) * scale
        let captionHeight = captions.isEmpty ? 0.0 : 14
        let cellWidth = max(tileWidth, captions.isEmpty ? 0 : 6.2 * Double(captions.map(\.count).max() ?? 0)) + 8
        let cellHeight = tileHeight + captionHeight + 8
        let rows = (images.count + columns - 1) / columns
        let titleWidth = 7.5 * Double(title.count)
        let width = max(titleWidth, Double(columns) * cellWidth) + 16
        var document = SVGDocument(width: width, height: 34 + Double(rows) * cellHeight + 4)
        document.text(title, x: width / 2, y: 20, size: 13, anchor: .middle, attributes: "font-weight=\"bold\"")
        let left = (width - Double(columns) * cellWidth) / 2
        for (index, image) in images.enumerated() {
            let x = left + Double(index % columns) * cellWidth + (cellWidth - tileWidth) / 2
            let y = 32 + Double(index / columns) * cellHeight
            document.image(image, x: x, y: y, width: Double(image.width) * scale, height: Double(image.height) * scale,
                           attributes: "class=\"tile\"")
            if !captions.isEmpty {
                document.text(captions[index], x: x + tileWidth / 2, y: y + tileHeight + 12, size: 10, anchor: .middle,
                              attributes: "class=\"caption\"")
            }
        }
        return document.text
    }
}
