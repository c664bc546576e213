"""Training courses (lớp tập huấn), attendance, XLSX import and the district's training targets."""
